"""Correct, written differently: model.zero_grad() (the optimizer holds every parameter of the model),
zero_grad(set_to_none=False), model.train() inside a while loop, loss.detach().item(), SGD with momentum=0 spelled
out, and evaluate as a torch.no_grad() decorator that leaves the model in eval mode."""


def make_optimizer(name, params, lr):
    match name:
        case "sgd":
            return torch.optim.SGD(params, lr, momentum=0.0)
        case "adam":
            return torch.optim.Adam(params, lr, betas=(0.9, 0.999), eps=1e-8)
        case _:
            raise ValueError("name must be 'sgd' or 'adam'")


def train(model, X, y, optimizer, criterion, epochs):
    losses = []
    epoch = 0
    while epoch < epochs:
        model.train(True)
        model.zero_grad()
        optimizer.zero_grad(set_to_none=False)
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach().item())
        epoch += 1
    return losses


@torch.no_grad()
def evaluate(model, X, y, criterion):
    model.eval()
    return criterion(model(X), y).item()

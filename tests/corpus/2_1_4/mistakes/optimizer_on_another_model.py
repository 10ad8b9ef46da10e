"""Mistake: make_optimizer ignores `params` and builds the optimizer on a global model's parameters."""
CAUGHT_BY = {"test_optimizer_steps_the_parameters_it_was_given": "another model's parameters",
             "test_sgd_is_plain_gradient_descent": "another model's parameters"}

model = SmallNet()


def make_optimizer(name, params, lr):
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr)
    return torch.optim.Adam(model.parameters(), lr=lr)

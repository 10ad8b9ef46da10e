"""Mistake: get_device() returns torch.device("cuda") whether or not there is a GPU (written on a GPU machine)."""
CAUGHT_BY = {"test_get_device_picks_the_gpu_only_when_there_is_one": "the portable device pattern"}


def get_device():
    return torch.device("cuda")

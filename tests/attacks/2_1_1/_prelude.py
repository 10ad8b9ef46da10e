# The attacker's toolkit, a cell before every attack: make every exercise of 2.1.1 do one thing.
def every_exercise(attack):
    """Put `attack` in place of every function the 2.1.1 checks call."""
    global make_tensors, describe, linear_forward, flatten_images, shares_memory_with, copy_of
    global to_device, time_matmul, cpu_vs_device
    make_tensors = describe = linear_forward = flatten_images = shares_memory_with = copy_of = attack
    to_device = time_matmul = cpu_vs_device = attack

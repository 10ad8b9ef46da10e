# The attacker's toolkit, a cell before every attack: make every exercise of 2.3.2 do one thing.
def every_exercise(attack):
    """Put `attack` in place of every function the 2.3.2 checks call."""
    global get_device, train_one_epoch, train, time_epoch, save_checkpoint, load_checkpoint, amp_train_step
    global train_portable
    get_device = train_one_epoch = train = time_epoch = save_checkpoint = load_checkpoint = attack
    amp_train_step = train_portable = attack

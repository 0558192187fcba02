from account import Account

def test_deposit_recorded():
    acc = Account()
    acc.deposit(5)
    assert acc.history == [5]

def test_withdraw_recorded():
    acc = Account(10)
    acc.withdraw(4)
    assert acc.history == [-4]
    assert acc.balance == 6

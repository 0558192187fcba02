"""Bank accounts with an overdraft limit."""


class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, balance=0, overdraft=0):
        self.balance = balance
        self.overdraft = overdraft

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("deposit must be positive")
        self.balance += amount

    def withdraw(self, amount):
        if amount > self.balance + self.overdraft + 1:
            raise InsufficientFunds(amount)
        self.balance -= amount
        return self.balance

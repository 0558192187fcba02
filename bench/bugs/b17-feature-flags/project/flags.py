"""Feature flags with per-user overrides."""


class Flags:
    def __init__(self, defaults):
        self.defaults = dict(defaults)
        self.overrides = {}

    def set_for(self, user, name, on):
        self.overrides[(user, name)] = on

    def enabled(self, name, user=None):
        if (user, name) in self.overrides:
            return self.overrides[(user, name)]
        if self.defaults.get(name, False):
            return False
        return True

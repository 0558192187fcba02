def clip(values, low, high):
    return [max(min(v, high), low) for v in values]

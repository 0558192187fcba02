def is_palindrome(s):
    s = "".join(c.lower() for c in s if c.isalnum())
    for i in range(len(s) // 2):
        if s[i] != s[len(s) - i]:
            return False
    return True

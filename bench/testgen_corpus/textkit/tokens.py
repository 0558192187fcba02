"""A tokenizer for a small arithmetic language: numbers, names, operators, parentheses."""

from __future__ import annotations

from dataclasses import dataclass

OPERATORS = {"+", "-", "*", "/", "%", "**", "==", "!=", "<=", ">=", "<", ">"}


class TokenError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at {position}")
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch.isspace():
            i += 1
        elif ch.isdigit() or (ch == "." and source[i + 1 : i + 2].isdigit()):
            start = i
            seen_dot = False
            while i < len(source) and (source[i].isdigit() or source[i] == "."):
                if source[i] == ".":
                    if seen_dot:
                        raise TokenError("second decimal point", i)
                    seen_dot = True
                i += 1
            tokens.append(Token("number", source[start:i], start))
        elif ch.isalpha() or ch == "_":
            start = i
            while i < len(source) and (source[i].isalnum() or source[i] == "_"):
                i += 1
            tokens.append(Token("name", source[start:i], start))
        elif ch in "()":
            tokens.append(Token("paren", ch, i))
            i += 1
        elif source[i : i + 2] in OPERATORS:
            tokens.append(Token("op", source[i : i + 2], i))
            i += 2
        elif ch in OPERATORS:
            tokens.append(Token("op", ch, i))
            i += 1
        else:
            raise TokenError(f"unexpected character {ch!r}", i)
    return tokens


def balanced(tokens: list[Token]) -> bool:
    depth = 0
    for token in tokens:
        if token.kind != "paren":
            continue
        depth += 1 if token.text == "(" else -1
        if depth < 0:
            return False
    return depth == 0


def names(source: str) -> list[str]:
    seen: list[str] = []
    for token in tokenize(source):
        if token.kind == "name" and token.text not in seen:
            seen.append(token.text)
    return seen

"""`computed`: a number question whose answer is computed from the line, e.g. Wh per good part during the step.

`expr` is arithmetic over tag names (`+ - * /`, parentheses, numbers, `abs`,
`min`, `max`), where a tag name is its value now and `start(tag)` its value
when the step started (the first good value the step saw). Python's own `ast`
parses it and only those nodes are accepted, so a lesson file runs no code.
The answer is judged against the expression's value when the trainee answers;
until every tag has a good value (and nothing divides by zero) it cannot be
known, and an answer given then is judged when the next value comes.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass

from smarthall.devices.profiles import Text
from smarthall.devices.reference import Entry, Key
from smarthall.edge.tags import TagValue

from ..answers import Answer
from ..base import Check, say, shown
from ..registry import CheckType, register
from .reading import TOLERANCE

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_FUNCTIONS = {"abs": abs, "min": min, "max": max}
SAID = Text(ko="답 {value} {unit}", en="answer {value} {unit}")


ALLOWED = Text(ko="숫자, 태그 이름, + - * /, `start(태그)`, `abs`, `min`, `max`로 쓰세요",
               en="use numbers, tag names, + - * /, start(tag), abs, min, max")


class ExpressionError(ValueError):
    """What is wrong with an expression, said to the lesson's author (`text`: Korean and English)."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


@dataclass(frozen=True)
class ComputedAnswer(Check):
    """The trainee's answer equals `expr` computed from the line's values now and at the step's start."""

    expr: str
    tolerance: float
    unit: str = ""


def _name(node: ast.AST) -> str | None:
    """A dotted tag name (`conveyor.parts_good`) as ast reads it, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (head := _name(node.value)) is not None:
        return f"{head}.{node.attr}"
    return None


def compile_expression(expr: str) -> tuple[ast.expression, frozenset[str]]:
    """The parsed expression and the tags it names; raises ExpressionError for anything else."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(Text(ko=f"식으로 읽을 수 없습니다 ({ALLOWED.ko})", en=f"not an expression: {exc.msg}")) from None
    tags = set()

    def visit(node: ast.AST) -> None:
        if (name := _name(node)) is not None:
            tags.add(name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            pass
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            visit(node.left)
            visit(node.right)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            visit(node.operand)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords and node.args:
            if node.func.id == "start" and len(node.args) == 1 and _name(node.args[0]) is not None:
                tags.add(_name(node.args[0]))
            elif node.func.id in _FUNCTIONS:
                for arg in node.args:
                    visit(arg)
            else:
                raise ExpressionError(Text(ko=f"알 수 없는 함수 {node.func.id!r}: `start(태그)`, `abs`, `min`, `max` 중 하나여야 합니다",
                                           en=f"unknown function {node.func.id!r}: expected start(tag), abs, min or max"))
        else:
            raise ExpressionError(Text(ko=f"{ast.unparse(node)!r}은(는) 쓸 수 없습니다: {ALLOWED.ko}",
                                       en=f"{ast.unparse(node)!r} is not allowed: {ALLOWED.en}"))
    visit(tree.body)
    return tree, frozenset(tags)


def value_of(tree: ast.expression, now: dict[str, float], start: dict[str, float]) -> float | None:
    """The expression's value, or None when a value is missing or it divides by zero."""
    def value(node: ast.AST) -> float:
        if (name := _name(node)) is not None:
            return now[name]
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](value(node.operand))
        if node.func.id == "start":
            return start[_name(node.args[0])]
        return _FUNCTIONS[node.func.id](*(value(a) for a in node.args))
    try:
        return float(value(tree.body))
    except (KeyError, ZeroDivisionError):
        return None


class Computed(Answer):
    def __init__(self, check: ComputedAnswer, started: float) -> None:
        super().__init__(check, started)
        self.tree, self.tags = compile_expression(check.expr)
        self.secret = self.tags  # the step's tag table leaves out what the answer is computed from
        self.start: dict[str, float] = {}

    def seen(self, value: TagValue) -> None:
        live = self.good(value.tag)
        if live is not None and not isinstance(live.value, str):
            self.start.setdefault(value.tag, float(live.value))
        super().seen(value)

    def right_answer(self) -> float | None:
        now = {tag: float(v.value) for tag in self.tags if (v := self.good(tag)) is not None and not isinstance(v.value, str)}
        return value_of(self.tree, now, self.start)

    def judge(self, value: float) -> bool | None:
        right = self.right_answer()
        return None if right is None else abs(value - right) <= self.check.tolerance + 1e-9

    def said(self, value: float) -> Text:
        return say(SAID, value=shown(value), unit=self.check.unit)


def parse(reader, data, where: str) -> ComputedAnswer:
    expr = reader.get(data, "expr", where, str)
    try:
        _, tags = compile_expression(expr)
    except ExpressionError as exc:
        raise reader.fail(f"{where}.expr", exc.text) from None
    if not tags:
        raise reader.fail(f"{where}.expr", Text(ko="태그를 하나도 쓰지 않습니다: 정해진 답은 `number` 확인입니다",
                                                en="names no tag: a fixed answer is a `number` check"))
    for tag in sorted(tags):
        reader.tag_name(tag, f"{where}.expr")
    return ComputedAnswer(expr, float(reader.number(data, "tolerance", where, 0, 1e9)),
                          reader.get(data, "unit", where, str, ""))


register(CheckType(
    Entry("computed", "a number question whose answer is computed from the line when the trainee answers: `expr` is"
          " arithmetic (`+ - * /`, `abs`, `min`, `max`) over tag names, each its value now, and `start(tag)`, its value"
          " when the step started (e.g. Wh per good part made during the step); the step's tag table leaves its tags"
          " out", (Key("type", '"computed"', ""), Key("expr", "expression", "what the answer is computed from"),
                   TOLERANCE, Key("unit", "text", "shown with the answer", "")),
          "a wrong answer is refused; the solution's `answer-live` (the value computed then) accepted"),
    ComputedAnswer, parse, Computed, ("read-and-do", "quiz", "fault-drill"), probe="answer"))

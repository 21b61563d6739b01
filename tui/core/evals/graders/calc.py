"""`calculate_output` for multi graders: arithmetic on grader scores, never code.

The expression is parsed with `ast` and walked by hand. Allowed: numbers,
grader names, + - * / ^ (power; ** also), unary minus, parentheses, and
min max abs floor ceil exp sqrt log. Everything else is rejected.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Mapping

FUNCTIONS = {
    "min": min, "max": max, "abs": abs, "floor": math.floor, "ceil": math.ceil,
    "exp": math.exp, "sqrt": math.sqrt, "log": math.log,
}
_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow, ast.BitXor: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class CalcError(ValueError):
    pass


def parse(expression: str) -> ast.Expression:
    if len(expression) > 2000:
        raise CalcError("calculate_output is too long")
    # `^` is power, binding tighter than * and / (Python's ^ would bind looser than +).
    try:
        tree = ast.parse(expression.replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise CalcError(f"calculate_output: syntax error: {exc.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Expression | ast.Load | ast.operator | ast.unaryop):
            if isinstance(node, ast.operator) and type(node) not in _BINARY:
                raise CalcError(f"calculate_output: operator {type(node).__name__} not allowed")
            if isinstance(node, ast.unaryop) and type(node) not in _UNARY:
                raise CalcError(f"calculate_output: operator {type(node).__name__} not allowed")
            continue
        if isinstance(node, ast.BinOp | ast.UnaryOp | ast.Name):
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) \
                and not isinstance(node.value, bool):
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in FUNCTIONS and not node.keywords:
            continue
        raise CalcError(f"calculate_output: {type(node).__name__} not allowed")
    return tree


def names(expression: str) -> set[str]:
    tree = parse(expression)
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - called


def evaluate(expression: str, variables: Mapping[str, float]) -> float:
    tree = parse(expression)

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in variables:
                raise CalcError(f"calculate_output: unknown name {node.id!r}")
            return float(variables[node.id])
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](walk(node.operand))
        if isinstance(node, ast.BinOp):
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Pow | ast.BitXor) and abs(right) > 1000:
                raise CalcError("calculate_output: exponent too large")
            try:
                return float(_BINARY[type(node.op)](left, right))
            except (ZeroDivisionError, OverflowError, ValueError) as exc:
                raise CalcError(f"calculate_output: {exc}") from None
        if isinstance(node, ast.Call):
            args = [walk(a) for a in node.args]
            try:
                return float(FUNCTIONS[node.func.id](*args))  # type: ignore[union-attr]
            except (TypeError, ValueError, OverflowError) as exc:
                raise CalcError(f"calculate_output: {exc}") from None
        raise CalcError(f"calculate_output: {type(node).__name__} not allowed")

    return walk(tree)

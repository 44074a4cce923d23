"""Reading server-rendered HTML in in-process tests: lxml with a few CSS selectors turned into XPath (the
cssselect package is not a dependency): `tag.class.other[attr="value"]` steps, descendants by spaces, `,` for or."""

import re

import lxml.html

STEP = re.compile(r'^(?P<tag>[\w-]*)(?P<classes>(?:\.[\w-]+)*)(?P<attrs>(?:\[[\w-]+="[^"]*"\])*)$')


def parse(content: bytes | str):
    return lxml.html.fromstring(content)


def select(node, selector: str) -> list:
    return node.xpath(" | ".join(_path(part.split()) for part in selector.split(",")))


def words(node) -> str:
    """The text of `node` with runs of white space made one space."""
    return " ".join(node.text_content().split())


def _path(steps: list[str]) -> str:
    return "".join(f"/descendant::{_step(step)}" for step in steps).replace("/descendant::", "descendant::", 1)


def _step(step: str) -> str:
    match = STEP.match(step)
    if match is None:
        raise ValueError(f"unsupported selector step {step!r}")
    tests = [f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')" for name in match["classes"].split(".")[1:]]
    tests += [f'@{name}="{value}"' for name, value in re.findall(r'\[([\w-]+)="([^"]*)"\]', match["attrs"])]
    return (match["tag"] or "*") + "".join(f"[{test}]" for test in tests)

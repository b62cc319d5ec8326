"""Prints what aws-sam-translator's own PolicyTemplatesProcessor makes of
every SAM policy template, for sampolicy's tests to compare with: one JSON
case per line. Values are our own: Refs to template resources, values that
hold a Ref named like the parameter (which SAM must leave alone), a value
for a name that is not a parameter (which SAM ignores), nulls, and no
values at all (which SAM rejects)."""
import ast
import json
import sys

from samtranslator.policy_template_processor.exceptions import InsufficientParameterValues
from samtranslator.policy_template_processor.processor import PolicyTemplatesProcessor

processor = PolicyTemplatesProcessor(PolicyTemplatesProcessor.get_default_policy_templates_json())


def cases(name, params):
    yield "refs", {p: {"Ref": "Given" + p} for p in params}
    if params:
        nested = {p: {"Fn::Join": ["-", [{"Ref": p}, "suffix"]]} for p in params}
        nested["NotAParameter"] = "ignored"
        yield "nested-and-extra", nested
        yield "nulls", {p: None for p in params}
        yield "none", {}


out = sys.stdout
out.write("[\n")
first = True
for name in sorted(processor.policy_templates):
    params = list(processor.get(name).parameters)
    for case, values in cases(name, params):
        entry = {"template": name, "case": case, "values": values}
        try:
            entry["output"] = processor.convert(name, values)
        except InsufficientParameterValues as ex:
            listed = str(ex).split(": ", 1)[1]
            entry["missing"] = sorted(ast.literal_eval(listed))
        out.write(("" if first else ",\n") + json.dumps(entry, separators=(",", ":")))
        first = False
out.write("\n]\n")

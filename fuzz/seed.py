#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from specs/ and tests/invalid/.

    python3 fuzz/seed.py        # fills fuzz/corpus/{spec,plain_yaml,template,capture}
"""

import hashlib
import json
import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def write(target, data):
    out = CORPUS / target
    out.mkdir(parents=True, exist_ok=True)
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)


def spec_files():
    return sorted(
        list((ROOT / "specs").rglob("*.yaml")) + list((ROOT / "tests" / "invalid").rglob("*.yaml"))
    )


def documents():
    for path in spec_files():
        try:
            # BaseLoader: every scalar stays a string, as templates are.
            yield yaml.load(path.read_text(), Loader=yaml.BaseLoader)
        except (yaml.YAMLError, UnicodeDecodeError):
            continue


def strings(node):
    if isinstance(node, dict):
        for k, v in node.items():
            yield k
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)
    elif isinstance(node, str):
        yield node


def captures(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "outputs" and isinstance(v, dict):
                for c in v.values():
                    if isinstance(c, str) or (isinstance(c, dict) and "value" not in c):
                        yield c
            yield from captures(v)
    elif isinstance(node, list):
        for v in node:
            yield from captures(v)


def typed(capture):
    """BaseLoader leaves `secret: true` a string; the model wants booleans and numbers."""
    if isinstance(capture, str):
        return capture
    out = {}
    for k, v in capture.items():
        if v in ("true", "false"):
            v = v == "true"
        elif k == "group" and v.isdigit():
            v = int(v)
        out[k] = v
    return out


JSON_BODY = json.dumps(
    {
        "id": "6f1c2d3e-0000-4000-8000-000000000001",
        "access_token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln",
        "token_type": "Bearer",
        "expires_in": 3600,
        "secret": "s3cr3t",
        "status": "COMPLETED",
        "user_code": "ABCD-EFGH",
        "_embedded": {
            "users": [{"id": "u1", "username": "alice"}, {"id": "u2", "username": "bob"}],
            "scopes": [{"name": "openid", "id": "s1"}, {"name": "profile", "id": "s2"}],
            "resources": [{"name": "openid", "id": "r1"}],
            "licenses": [{"status": "ACTIVE", "id": "l1"}],
            "messages": [{"code": "123456"}, {"code": "654321"}],
        },
    }
).encode()

HTML_BODY = (
    b'<html><form action="/flows/1"><input type="hidden" name="csrf" value="tok123">'
    b'<input name="flowId" value="f-1"></form></html>'
)

HEAD = (
    b"302 http://localhost/as/resume?flowId=f-1\n"
    b"Location: /signon/?flowId=f-1&code=c-1#access_token=at&id_token=it&token_type=Bearer\n"
    b"Content-Type: application/json\n"
    b'Set-Cookie: ST=session-1; Path=/; HttpOnly\n'
    b'Set-Cookie: other="quoted"\n'
)


def main():
    seen_templates = set()
    seen_captures = set()
    for path in spec_files():
        write("spec", path.read_bytes())
        write("plain_yaml", path.read_bytes())
    for doc in documents():
        for s in strings(doc):
            if ("{{" in s or "{%" in s) and s not in seen_templates:
                seen_templates.add(s)
                write("template", s.encode())
        for c in captures(doc):
            line = json.dumps(typed(c)).encode()
            if line not in seen_captures:
                seen_captures.add(line)
                write("capture", line + b"\n" + HEAD + b"\n" + JSON_BODY)
                write("capture", line + b"\n" + HEAD + b"\n" + HTML_BODY)
    for extra in (
        {"body": True, "regex": 'name="csrf" value="([^"]+)"', "group": 1},
        {"body": True, "regex": "(?P<flow>f-[0-9]+)", "group": "flow", "all": True},
        {"cookie": "ST", "secret": True},
        {"status": True},
        {"url": True, "query": "flowId"},
        {"json": "$._embedded.users[*].id", "all": True},
        {"json": "$.optional", "optional": True},
        {"header": "Location", "fragment": "access_token"},
    ):
        line = json.dumps(extra).encode()
        write("capture", line + b"\n" + HEAD + b"\n" + JSON_BODY)
        write("capture", line + b"\n" + HEAD + b"\n" + HTML_BODY)
    for target in ("spec", "plain_yaml", "template", "capture"):
        print(target, len(list((CORPUS / target).iterdir())), "seeds")


if __name__ == "__main__":
    main()

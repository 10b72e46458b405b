#!/usr/bin/env python3
"""doc/coroner.schema.json (JSON Schema 2020-12) against coroner's --json:

- the schema is itself a valid 2020-12 schema (the metaschema);
- the document of every subcommand (report, bt, info, threads, maps, notes,
  auxv, diagnose, read, list) matches it and has "schema_version" 1, with
  warnings as {"code", "subject", "message"} whose message is the text the
  terminal shows (the warning lines on stderr);
- the validator rejects a document with a wrong type, a key missing, a key
  that is not in the schema, a warning as a bare string, a version it does
  not know, and a register value that is no "0x..." string.
(Every other test validates each --json document it makes: coretest.coroner.)

Usage: python3 tests/e2e/test_schema.py BUILD_DIR
"""
import copy
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Skip, check, check_eq  # noqa: E402

COMMANDS = ["report", "bt", "info", "threads", "maps", "notes", "auxv", "diagnose"]


def need_validator():
    if ct.schema_validator() is None:
        raise Skip("python3-jsonschema is not installed (.ci/run installs it)")


def t_metaschema():
    need_validator()
    import jsonschema
    with open(ct.SCHEMA) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    check_eq(schema.get("$schema"), "https://json-schema.org/draft/2020-12/schema", "$schema")


def t_every_command(build, prog):
    need_validator()
    for cmd in COMMANDS:
        r = ct.coroner(build, cmd, prog.core, "--json", ok_codes=(0, 3))  # validates
        doc = json.loads(r.text)
        check_eq(doc.get("schema_version"), 1, "%s --json schema_version" % cmd)
    r = ct.coroner(build, "read", prog.core, "0x10", "--json", ok_codes=(1,))
    check_eq(json.loads(r.text)["schema_version"], 1, "read --json schema_version")
    d = ct.scratch_dir("schema-")
    try:
        shutil.copy(prog.core, os.path.join(d, "core.x.0.0123456789abcdef0123456789abcdef.1.2"))
        r = ct.coroner(build, "list", d, "--json", ok_codes=(0,))
        doc = json.loads(r.text)
        check_eq(len(doc["cores"]), 1, "list --json cores")
    finally:
        shutil.rmtree(d, True)


def t_warning_objects(build, prog):
    """A warning the CLI prints on stderr is the message of a JSON warning."""
    need_validator()
    missing = os.path.join(ct.scratch_dir("schema-w-"), "none")
    r = ct.coroner(build, "info", prog.core, "--debug-dir", missing, ok_codes=(3,))
    text = [ln.strip() for ln in r.err.splitlines() if missing in ln]
    check(text, "no warning on stderr naming %s: %r" % (missing, r.err))
    doc, _ = ct.report(build, prog.core, "--debug-dir", missing)
    w = [x for x in doc["warnings"] if missing in x["message"]]
    check_eq(len(w), 1, "JSON warnings naming %s" % missing)
    check_eq(w[0]["message"], text[0], "the warning's message")
    check_eq(w[0]["subject"], missing, "the warning's subject")
    check_eq(w[0]["code"], "not_found", "the warning's code")


def broken(doc):
    """(what, a copy of doc broken that way)."""
    out = []

    def case(what, fn):
        d = copy.deepcopy(doc)
        fn(d)
        out.append((what, d))
    case("pid as a string", lambda d: d["process"].__setitem__("pid", str(d["process"]["pid"])))
    case("no crashed_tid", lambda d: d.pop("crashed_tid"))
    case("no schema_version", lambda d: d.pop("schema_version"))
    case("schema_version 2", lambda d: d.__setitem__("schema_version", 2))
    case("an unknown top-level key", lambda d: d.__setitem__("extra", 1))
    case("an unknown frame key", lambda d: d["threads"][0]["frames"][0].__setitem__("fn", "x"))
    case("a frame without pc", lambda d: d["threads"][0]["frames"][0].pop("pc"))
    case("a warning as a string", lambda d: d["warnings"].append("a bare warning"))
    case("a warning without code", lambda d: d["warnings"].append({"subject": None,
                                                                   "message": "m"}))
    case("a register as a number", lambda d: d["threads"][0]["registers"].__setitem__("rip", 5))
    case("a decimal address", lambda d: d["mappings"][0].__setitem__("start", "4096"))
    case("an unknown how", lambda d: d["threads"][0]["frames"][0].__setitem__("how", "magic"))
    case("frames and frames_error", lambda d: d["threads"][0].__setitem__("frames_error", "x"))
    case("in_core 'maybe'", lambda d: d["mappings"][0].__setitem__("in_core", "maybe"))
    case("the diagnosis without class",
         lambda d: d["diagnosis"].pop("class"))
    return out


def t_rejects(build, prog):
    need_validator()
    doc, _ = ct.report(build, prog.core)
    check_eq(ct.schema_errors(doc), [], "the real document")
    for what, bad in broken(doc):
        check(ct.schema_errors(bad), "the schema accepts a document with %s" % what)
    r = ct.coroner(build, "read", prog.core, "0x10", "--json", ok_codes=(1,))
    rd = json.loads(r.text)
    rd["bytes"] = "xyz"
    check(ct.schema_errors(rd), "the schema accepts read's bytes 'xyz'")
    check(ct.schema_errors({"schema_version": 1, "cores": [{"file": "core"}]}),
          "the schema accepts a list entry without its keys")
    try:
        ct.json_doc(json.dumps(dict(doc, extra=1)), "broken")
    except ct.Fail as e:
        check("extra" in str(e), "json_doc's failure names the key: %s" % e)
    else:
        raise ct.Fail("json_doc accepted a broken document")


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    rep.run("schema-is-2020-12", t_metaschema)
    try:
        prog = ct.variant("pie")
    except (Skip, ct.Fail) as e:
        rep.skip("schema-documents", "no core: %s" % e)
        rep.done()
    rep.run("schema-every-command", t_every_command, build, prog)
    rep.run("schema-warning-objects", t_warning_objects, build, prog)
    rep.run("schema-rejects-broken", t_rejects, build, prog)
    rep.done()


if __name__ == "__main__":
    main()

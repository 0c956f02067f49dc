#!/usr/bin/env python3
# Checks the files daemon/systemd/ ships, as systemd and udev would read them:
# `systemd-analyze verify` on litd.service and litd.socket (any complaint that
# names them fails), `systemd-analyze security --offline=yes` on the service
# (its exposure must stay at or below MAX_EXPOSURE), `systemd-sysusers
# --dry-run` on litd.sysusers.conf and a syntax check of 60-litd.rules.
# Usage: units_test.py UNITS_DIR BUILD_ROOT. Reads only; everything is checked
# from temp copies.
import grp
import os
import re
import shutil
import subprocess
import sys
import tempfile

# The hardened service measured 1.4 (systemd 252, "OK"); a change that pushes
# it above this has dropped protection and must say why here.
MAX_EXPOSURE = 2.5

UNITS = ("litd.service", "litd.socket")


def verify_units(units_dir, build_root, scratch):
    """systemd-analyze verify, on copies whose ExecStart= names a binary that
    exists here: verify refuses an ExecStart= whose program is missing, and
    /usr/bin/litd is not installed on a build machine. The built litd is used
    when this build has one, else /bin/true; nothing else in the units changes."""
    problems = []
    built_litd = os.path.join(build_root, "daemon", "litd", "litd")
    program = built_litd if os.access(built_litd, os.X_OK) else "/bin/true"
    for unit in UNITS:
        with open(os.path.join(units_dir, unit), encoding="utf-8") as source:
            text = source.read()
        if unit == "litd.service":
            text, count = re.subn(r"^ExecStart=/usr/bin/litd ", f"ExecStart={program} ", text, flags=re.M)
            if count != 1:
                problems.append("litd.service: expected one ExecStart=/usr/bin/litd line")
        with open(os.path.join(scratch, unit), "w", encoding="utf-8") as copy:
            copy.write(text)
    print(f"verifying with ExecStart={program}")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no"] + [os.path.join(scratch, unit) for unit in UNITS],
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    print(output, end="")
    problems += [f"systemd-analyze verify: {line}" for line in output.splitlines() if "litd" in line]
    if result.returncode != 0:
        problems.append(f"systemd-analyze verify exited {result.returncode}")
    return problems


def check_security(scratch):
    """The offline exposure score of the hardened service (0 best, 10 worst)."""
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--no-pager", os.path.join(scratch, "litd.service")],
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    match = re.search(r"Overall exposure level for litd\.service:\s*([0-9.]+)\s*(\S+)", output)
    if not match:
        print(output)
        return ["systemd-analyze security printed no exposure level for litd.service"]
    exposure = float(match.group(1))
    print(f"systemd-analyze security --offline=yes: exposure {exposure} {match.group(2)} (at most {MAX_EXPOSURE})")
    if exposure > MAX_EXPOSURE:
        print(output)
        return [f"litd.service exposure {exposure} is above {MAX_EXPOSURE}"]
    return []


def check_sysusers(units_dir, scratch):
    """systemd-sysusers parses the entry against a copy of this machine's user
    database (--root), so nothing is written: an unknown line type or a
    missing field is reported with the file's line number."""
    root = os.path.join(scratch, "sysusers-root")
    os.makedirs(os.path.join(root, "etc"))
    for database in ("passwd", "group"):
        shutil.copy(os.path.join("/etc", database), os.path.join(root, "etc", database))
    entry = os.path.join(root, "litd.conf")
    shutil.copy(os.path.join(units_dir, "litd.sysusers.conf"), entry)
    result = subprocess.run(
        ["systemd-sysusers", f"--root={root}", "--dry-run", entry], capture_output=True, text=True, check=False
    )
    output = result.stdout + result.stderr
    print(output, end="")
    problems = [f"systemd-sysusers: {line}" for line in output.splitlines() if "litd.conf:" in line]
    if result.returncode != 0:
        problems.append(f"systemd-sysusers --dry-run exited {result.returncode}")
    return problems


# udev(7) keys of systemd 252: which may be matched, which assigned, and which
# take an {argument}.
MATCH_KEYS = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK", "SUBSYSTEM", "SUBSYSTEMS", "DRIVER",
              "DRIVERS", "ATTR", "ATTRS", "SYSCTL", "TAG", "TAGS", "ENV", "CONST", "TEST", "PROGRAM", "RESULT"}
ASSIGN_KEYS = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR", "SYSCTL", "ENV", "TAG", "RUN",
               "LABEL", "GOTO", "IMPORT", "OPTIONS"}
ARGUMENT_KEYS = {"ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "TEST", "SECLABEL", "RUN", "IMPORT"}
SUBSTITUTIONS = {"devpath", "kernel", "number", "driver", "attr", "sysctl", "env", "major", "minor", "result",
                 "parent", "name", "links", "root", "sys", "devnode", "tempnode", "id"}
OPTIONS = re.compile(r"^(string_escape=(none|replace)|link_priority=-?\d+|static_node=\S+|watch|nowatch|"
                     r"db_persist|log_level=\S+)$")
RULE_ITEM = re.compile(r'^\s*([A-Z_]+)(\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*$')


def split_items(line):
    """A rule's comma-separated key-operator-value items; commas inside quotes
    belong to the value."""
    items, current, quoted = [], "", False
    for char in line:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            items.append(current)
            current = ""
        else:
            current += char
    if quoted:
        return None
    items.append(current)
    return items


def check_udev_rules(path):
    """systemd 252 has no rule checker (`udevadm verify` came with 253, and
    `udevadm test` reads only the system's rule directories), so the rules are
    parsed here for the errors udev would log and skip: unknown keys, a key
    used with the wrong kind of operator, bad quoting, unknown substitutions,
    options or groups, bad modes and GOTOs without their LABEL."""
    problems, gotos, labels = [], [], set()
    with open(path, encoding="utf-8") as rules:
        lines = rules.read().replace("\\\n", "").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{os.path.basename(path)}:{number}"
        items = split_items(line)
        if items is None:
            problems.append(f"{where}: unbalanced quotes")
            continue
        for item in items:
            match = RULE_ITEM.match(item)
            if not match:
                problems.append(f"{where}: not KEY op \"value\": {item.strip()}")
                continue
            key, _, argument, operator, value = match.groups()
            if key not in MATCH_KEYS | ASSIGN_KEYS:
                problems.append(f"{where}: unknown key {key}")
                continue
            if (argument is not None) != (key in ARGUMENT_KEYS) and key != "RUN":
                problems.append(f"{where}: {key} {'needs' if argument is None else 'takes no'} {{argument}}")
            if operator in ("==", "!=") and key not in MATCH_KEYS:
                problems.append(f"{where}: {key} cannot be matched")
            if operator not in ("==", "!=") and key not in ASSIGN_KEYS:
                problems.append(f"{where}: {key} cannot be assigned")
            for name in re.findall(r"\$([a-z_]+)", value):
                if name not in SUBSTITUTIONS:
                    problems.append(f"{where}: unknown substitution ${name}")
            if key == "MODE" and not re.fullmatch(r"0?[0-7]{3,4}", value):
                problems.append(f"{where}: MODE {value} is not octal")
            if key == "OPTIONS" and not all(OPTIONS.match(option) for option in value.split(",")):
                problems.append(f"{where}: unknown OPTIONS {value}")
            if key == "GROUP":
                try:
                    grp.getgrnam(value)
                except KeyError:
                    problems.append(f"{where}: no group {value} on this system")
            if key == "GOTO":
                gotos.append((where, value))
            if key == "LABEL":
                labels.add(value)
    problems += [f"{where}: GOTO {label} has no LABEL" for where, label in gotos if label not in labels]
    # A newer udevadm checks the rules itself as well.
    udevadm = shutil.which("udevadm")
    if udevadm and subprocess.run([udevadm, "verify", "--help"], capture_output=True, check=False).returncode == 0:
        result = subprocess.run([udevadm, "verify", path], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            problems.append(f"udevadm verify: {result.stdout}{result.stderr}")
    return problems


def main():
    units_dir, build_root = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as scratch:
        problems = verify_units(units_dir, build_root, scratch)
        problems += check_security(scratch)
        problems += check_sysusers(units_dir, scratch)
    problems += check_udev_rules(os.path.join(units_dir, "60-litd.rules"))
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if not problems:
        print("litd.service, litd.socket, litd.sysusers.conf and 60-litd.rules: clean")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

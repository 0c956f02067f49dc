#!/usr/bin/env python3
"""Prints what a firmware image costs, after every link, and writes the same
report to --output so the build has a file to track:

  size_report.py --size arm-none-eabi-size --nm arm-none-eabi-nm --elf IMAGE --output IMAGE.size.txt
                 [--readelf arm-none-eabi-readelf] [--stack --map IMAGE.map --build-root DIR]

- flash (text + data) and RAM (data + bss + the stack reserve, the linker
  script's _stack_reserve);
- its actors: every statically allocated object whose type derives from
  lit::ActorCore (lit::Actor<>, supervisors), found in the image's DWARF, so
  an app declares actors as it always does (`WorkerActor first;` at namespace
  scope) and needs no naming convention. Each is split into the ActorCore
  control block (which holds the mailbox's bookkeeping), the mailbox slots
  (and remote inbox), the user context (and its Params), and the rest of the
  runtime state (after() timers, history, invocations, deferral). "runtime" is the per-actor cost the brief bounds at 32 B:
  the object less its mailbox slots and context;
- with --map, its flash by component (the shared core's chart engine, actors
  and supervision, the link, nanopb, the port, the board, the C and compiler
  runtime, the app), from the linker map: each input section counts where its
  object came from, so header-only code (templates, inline functions) counts
  with the object that instantiated it. A link-time optimised image's code
  comes from GCC's ltrans objects instead: each of its sections counts by
  the source file of the function or variable it holds (from the DWARF line
  info), so header-only code counts with its header, and code inlined into
  a function counts with that function;
- with --flash-budget, the image's flash against a bound (the brief's 24 KB
  for the minimal agent): within it, or over by how much;
- with --stack, the worst stack per entry point (tools/stack_report.py).
"""
import argparse
import pathlib
import re
import subprocess
import sys

DIE = re.compile(r"^ <(\d+)><([0-9a-f]+)>: Abbrev Number: \d+ \((DW_TAG_\w+)\)")
ATTRIBUTE = re.compile(r"^    <[0-9a-f]+>\s+(DW_AT_\w+)\s*: (.*)$")
KEPT_TAGS = {
    "DW_TAG_variable", "DW_TAG_class_type", "DW_TAG_structure_type", "DW_TAG_typedef", "DW_TAG_const_type",
    "DW_TAG_volatile_type", "DW_TAG_member", "DW_TAG_inheritance",
}
KEPT_ATTRIBUTES = {
    "DW_AT_name", "DW_AT_type", "DW_AT_byte_size", "DW_AT_data_member_location", "DW_AT_location",
    "DW_AT_specification", "DW_AT_declaration", "DW_AT_abstract_origin",
}


def berkeley_sizes(size, elf):
    lines = subprocess.run([size, "-B", str(elf)], check=True, capture_output=True, text=True).stdout.splitlines()
    text, data, bss = (int(field) for field in lines[1].split()[:3])
    return text, data, bss


def symbol_table(nm, elf):
    """{name: (address, size)}; size 0 where nm gives none."""
    table = {}
    output = subprocess.run([nm, "-S", str(elf)], check=True, capture_output=True, text=True).stdout
    for line in output.splitlines():
        fields = line.split()
        if len(fields) == 4:
            table[fields[3]] = (int(fields[0], 16), int(fields[1], 16))
        elif len(fields) == 3:
            table[fields[2]] = (int(fields[0], 16), 0)
    return table


class Die:
    __slots__ = ("tag", "attributes", "children")

    def __init__(self, tag):
        self.tag = tag
        self.attributes = {}
        self.children = []


def read_dwarf(readelf, elf):
    """The DIEs that describe variables and class layouts, by offset."""
    output = subprocess.run([readelf, "--debug-dump=info", str(elf)], check=True, capture_output=True,
                            text=True).stdout
    dies = {}
    parents = {}  # depth -> offset of the last DIE at that depth
    current = None
    for line in output.splitlines():
        if line.startswith(" <"):
            match = DIE.match(line)
            if not match:
                continue
            depth, offset, tag = int(match.group(1)), int(match.group(2), 16), match.group(3)
            parents[depth] = offset
            if tag not in KEPT_TAGS:
                current = None
                continue
            current = Die(tag)
            dies[offset] = current
            parent = dies.get(parents.get(depth - 1))
            if parent is not None and tag in ("DW_TAG_member", "DW_TAG_inheritance"):
                parent.children.append(current)
        elif current is not None and line.startswith("    <"):
            match = ATTRIBUTE.match(line)
            if match and match.group(1) in KEPT_ATTRIBUTES:
                value = match.group(2).strip()
                if value.startswith("(indirect string"):
                    value = value.split("): ", 1)[1] if "): " in value else value
                current.attributes[match.group(1)] = value
    return dies


def reference(value):
    match = re.match(r"<0x([0-9a-f]+)>", value or "")
    return int(match.group(1), 16) if match else None


def resolve_type(dies, offset):
    """Through typedefs and cv-qualifiers to the class."""
    for _ in range(16):
        die = dies.get(offset)
        if die is None or die.tag in ("DW_TAG_class_type", "DW_TAG_structure_type"):
            return die
        offset = reference(die.attributes.get("DW_AT_type"))
    return None


def integer(value, default=0):
    match = re.match(r"(\d+)", value or "")
    return int(match.group(1)) if match else default


def actor_core_size(dies, klass, depth=0):
    """sizeof(ActorCore) if `klass` derives from lit::ActorCore, else None."""
    if klass is None or depth > 8:
        return None
    if klass.attributes.get("DW_AT_name") == "ActorCore":
        return integer(klass.attributes.get("DW_AT_byte_size"))
    for child in klass.children:
        if child.tag == "DW_TAG_inheritance":
            found = actor_core_size(dies, resolve_type(dies, reference(child.attributes.get("DW_AT_type"))), depth + 1)
            if found is not None:
                return found
    return None


def member_kind(dies, member):
    klass = resolve_type(dies, reference(member.attributes.get("DW_AT_type")))
    type_name = klass.attributes.get("DW_AT_name", "") if klass is not None else ""
    if type_name.startswith(("MailboxStorage", "RemoteStorage")):
        return "mailbox"
    if type_name.startswith("ContextStorage") or member.attributes.get("DW_AT_name") == "params_":
        return "context"
    return "runtime"


def is_empty(dies, member):
    """A member of an empty class type ([[no_unique_address]] NoParams, RemoteStorage<P, 0>)."""
    klass = resolve_type(dies, reference(member.attributes.get("DW_AT_type")))
    return (klass is not None and not klass.children and
            integer(klass.attributes.get("DW_AT_byte_size"), 1) <= 1)


def split_actor(dies, klass, total, depth=0):
    """{core, mailbox, context, runtime} bytes of an actor object. Each member
    runs to the next member's offset, so padding counts with the member before
    it; bases that derive from ActorCore are split the same way."""
    parts = {"core": 0, "mailbox": 0, "context": 0, "runtime": 0}
    layout = []
    for child in klass.children:
        offset = integer(child.attributes.get("DW_AT_data_member_location"), -1)
        if offset < 0 or (child.tag == "DW_TAG_member" and is_empty(dies, child)):
            continue  # a static member, or one that takes no room
        layout.append((offset, child.tag != "DW_TAG_inheritance", child))
    layout.sort(key=lambda entry: (entry[0], entry[1]))
    for index, (offset, _, child) in enumerate(layout):
        end = layout[index + 1][0] if index + 1 < len(layout) else total
        size = max(end - offset, 0)
        if child.tag != "DW_TAG_inheritance":
            parts[member_kind(dies, child)] += size
            continue
        base = resolve_type(dies, reference(child.attributes.get("DW_AT_type")))
        if base is not None and base.attributes.get("DW_AT_name") == "ActorCore":
            parts["core"] += size
        elif base is not None and depth < 8 and actor_core_size(dies, base) is not None:
            for kind, value in split_actor(dies, base, size, depth + 1).items():
                parts[kind] += value
        else:
            parts["runtime"] += size
    return parts


def short_type(name):
    """Actor<lit::bench::toggle_chart, ...> -> Actor<toggle_chart>; StaticSupervisor<2, 3> stays."""
    match = re.match(r"Actor<([^,>]+)", name)
    if match:
        return "Actor<" + match.group(1).split("::")[-1].strip() + ">"
    return name


def static_variables(dies, symbols):
    """(address, name, class DIE) of every linked static variable."""
    by_address = {}
    for name, (address, size) in symbols.items():
        by_address.setdefault(address, (name, size))
    seen = set()
    for die in dies.values():
        if die.tag != "DW_TAG_variable" or "DW_OP_addr" not in die.attributes.get("DW_AT_location", ""):
            continue
        address = int(re.search(r"DW_OP_addr: ([0-9a-f]+)", die.attributes["DW_AT_location"]).group(1), 16)
        if address in seen or address not in by_address:
            continue  # not linked (discarded by --gc-sections), or already counted
        # A link-time optimised image's variable names its compile-time DIE
        # (abstract origin), which may in turn complete a declaration.
        origin = dies.get(reference(die.attributes.get("DW_AT_abstract_origin"))) or die
        declaration = dies.get(reference(origin.attributes.get("DW_AT_specification"))) or origin
        die = origin
        name = die.attributes.get("DW_AT_name") or declaration.attributes.get("DW_AT_name", "?")
        type_offset = reference(die.attributes.get("DW_AT_type") or declaration.attributes.get("DW_AT_type"))
        klass = resolve_type(dies, type_offset)
        if klass is None:
            continue
        seen.add(address)
        yield address, name, klass


TIMER_POOL = re.compile(r"^array<lit::ActorTimer, (\d+)>$")


def static_actors(dies, symbols):
    actors = []
    for address, name, klass in static_variables(dies, symbols):
        if actor_core_size(dies, klass) is None:
            continue
        total = integer(klass.attributes.get("DW_AT_byte_size"))
        parts = split_actor(dies, klass, total)
        actors.append((address, name, short_type(klass.attributes.get("DW_AT_name", "?")), total, parts))
    return sorted(actors)


def timer_pools(dies, symbols):
    """(name, timers, bytes) of every static std::array<lit::ActorTimer, N>: a
    scheduler's pool of after() timers (Scheduler::Storage::timers)."""
    pools = []
    for _, name, klass in static_variables(dies, symbols):
        match = TIMER_POOL.match(klass.attributes.get("DW_AT_name", ""))
        if match:
            pools.append((name, int(match.group(1)), integer(klass.attributes.get("DW_AT_byte_size"))))
    return sorted(pools)


def actor_lines(actors):
    if not actors:
        return ["  actors: none (no static object derives from lit::ActorCore)"]
    lines = []
    name_width = max(len("object"), max(len(a[1]) for a in actors))
    type_width = max(len("type"), max(len(a[2]) for a in actors))
    lines.append("  {:<{}}  {:<{}}  {:>5}  {:>4}  {:>7}  {:>7}  {:>7}".format(
        "object", name_width, "type", type_width, "bytes", "core", "mailbox", "context", "runtime"))
    for _, name, type_name, size, parts in actors:
        runtime = parts["core"] + parts["runtime"]
        lines.append("  {:<{}}  {:<{}}  {:>5}  {:>4}  {:>7}  {:>7}  {:>7}".format(
            name, name_width, type_name, type_width, size, parts["core"], parts["mailbox"], parts["context"],
            runtime))
    total = sum(actor[3] for actor in actors)
    charts = [actor for actor in actors if actor[2].startswith("Actor<")]
    summary = "  {} actors, {} B in all".format(len(actors), total)
    if charts:
        runtimes = sorted({parts["core"] + parts["runtime"] for *_, parts in charts})
        cores = sorted({parts["core"] for *_, parts in charts})
        summary += ("; runtime state per chart actor (all but mailbox slots and context; target <= 32 B): "
                    "{} B, of which ActorCore {} B".format(span(runtimes), span(cores)))
    lines.append(summary)
    return lines


# Input files of the linker map -> component, first match wins. Paths are as
# the map prints them (build-dir relative, or the toolchain's libraries).
COMPONENTS = [
    ("chart", re.compile(r"liblit_core\.a\.p/src_chart_")),
    ("actors", re.compile(r"liblit_core\.a\.p/src_actor_")),
    ("link", re.compile(r"liblit_core\.a\.p/src_link_|liblit_link\.a")),
    ("nanopb", re.compile(r"nanopb")),
    ("port", re.compile(r"liblit_port\.a")),
    ("board", re.compile(r"libboard_")),
    ("libc", re.compile(r"libc(_nano)?\.a|libm\.a|libnosys\.a")),
    ("libgcc", re.compile(r"libgcc\.a|crt[^/]*\.o$")),
]
# The same components by source file, for link-time optimised code.
SOURCE_COMPONENTS = [
    ("chart", re.compile(r"shared/(src|include/lit)/chart/")),
    ("link", re.compile(r"shared/(src|include/lit)/link/")),
    ("actors", re.compile(r"shared/(src/actor/|include/lit/)")),
    ("nanopb", re.compile(r"nanopb|\.nanopb\.[ch]$")),
    ("port", re.compile(r"agent-fw/port/")),
    ("board", re.compile(r"agent-fw/(boards|arch)/")),
]
LTRANS_OBJECT = re.compile(r"\.ltrans\d+\.ltrans\.o$")
FLASH_SECTIONS = (".vectors", ".text", ".rodata", ".data", ".init_array", ".fini_array", ".ARM.exidx", ".ARM.extab")
INPUT_SECTION = re.compile(r"^ (\.\S+)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*))?$")
PLACEMENT = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")


def component_of(path):
    for name, pattern in COMPONENTS:
        if pattern.search(path):
            return name
    return "app"


def source_components(nm, elf):
    """{address: component} of the image's symbols, by the source file nm -l
    reads from their DWARF line info (Thumb bit cleared)."""
    found = {}
    output = subprocess.run([nm, "-l", "--defined-only", str(elf)], check=True, capture_output=True,
                            text=True).stdout
    for line in output.splitlines():
        symbol, _, where = line.partition("\t")
        fields = symbol.split()
        if len(fields) != 3 or not where:
            continue
        path = where.rsplit(":", 1)[0]
        component = "app"
        for name, pattern in SOURCE_COMPONENTS:
            if pattern.search(path):
                component = name
                break
        found.setdefault(int(fields[0], 16) & ~1, component)
    return found


def flash_by_component(map_file, by_source=None):
    """{component: bytes} of the input sections that occupy flash (code,
    read-only data and the load image of .data), from the map's placements."""
    text = map_file.read_text(errors="replace")
    start = text.find("Linker script and memory map")
    lines = text[start:].splitlines() if start >= 0 else []
    parts = {}
    pending = None  # an input section whose placement is on the next line (long names)
    for line in lines:
        if pending is not None:
            placement = PLACEMENT.match(line)
            if placement:
                count(parts, pending, placement.groups(), by_source)
            pending = None
            continue
        match = INPUT_SECTION.match(line)
        if not match:
            continue
        if match.group(2) is None:
            pending = match.group(1)
        else:
            count(parts, match.group(1), match.group(2, 3, 4), by_source)
    return parts


def count(parts, section, placement, by_source):
    address, size, path = int(placement[0], 16), int(placement[1], 16), placement[2].strip()
    if size == 0 or (address == 0 and section != ".vectors"):
        return  # discarded by --gc-sections, or not allocated
    if not section.startswith(FLASH_SECTIONS):
        return
    if by_source is not None and LTRANS_OBJECT.search(path):
        name = by_source.get(address, "app")  # merged strings and the like hold no symbol
    else:
        name = component_of(path)
    parts[name] = parts.get(name, 0) + size


def component_lines(parts, flash):
    order = ["chart", "actors", "link", "nanopb", "port", "board", "app", "libc", "libgcc"]
    counted = sum(parts.values())
    cells = ["{} {}".format(name, parts[name]) for name in order if parts.get(name)]
    if flash > counted:
        cells.append("alignment {}".format(flash - counted))
    return ["  flash by component (B): " + ", ".join(cells)]


def budget_line(flash, budget):
    if flash <= budget:
        return "  flash budget {} B: within it, {} B to spare".format(budget, budget - flash)
    return "  flash budget {} B: OVER by {} B ({:.1f} KiB)".format(budget, flash - budget, (flash - budget) / 1024)


def span(values):
    return str(values[0]) if values[0] == values[-1] else "{}..{}".format(values[0], values[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", required=True)
    parser.add_argument("--nm", required=True)
    parser.add_argument("--readelf", help="default: the readelf beside --nm")
    parser.add_argument("--elf", required=True, type=pathlib.Path)
    parser.add_argument("--output", required=True, type=pathlib.Path)
    parser.add_argument("--stack", action="store_true", help="append the stack report (needs --map, --build-root)")
    parser.add_argument("--map", type=pathlib.Path)
    parser.add_argument("--build-root", type=pathlib.Path)
    parser.add_argument("--flash-budget", type=int, help="the flash the image must fit in, in bytes")
    args = parser.parse_args()
    readelf = args.readelf or re.sub(r"nm$", "readelf", args.nm)

    text, data, bss = berkeley_sizes(args.size, args.elf)
    symbols = symbol_table(args.nm, args.elf)
    stack = symbols.get("_stack_reserve", (0, 0))[0]
    flash = text + data
    ram = data + bss + stack
    lines = ["size {}: flash {} B ({:.1f} KiB) = text {} + data {} | ram {} B ({:.1f} KiB) = data {} + bss {} "
             "+ stack {}".format(args.elf.name, flash, flash / 1024, text, data, ram, ram / 1024, data, bss, stack)]
    if args.flash_budget is not None:
        lines.append(budget_line(flash, args.flash_budget))
    map_file = args.map
    if map_file is not None and not map_file.exists():
        map_file = args.elf.with_suffix(".map")  # an image built in a subdirectory keeps its map beside it
    if map_file is not None and map_file.exists():
        lines += component_lines(flash_by_component(map_file, source_components(args.nm, args.elf)), flash)
    dies = read_dwarf(readelf, args.elf)
    lines += actor_lines(static_actors(dies, symbols))
    for name, timers, size in timer_pools(dies, symbols):
        lines.append("  timer pool {}: {} after() timers shared by the actors that pool theirs, {} B".format(
            name, timers, size))
    report = "\n".join(lines) + "\n"
    if args.stack:
        sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
        import stack_report  # noqa: E402 (beside this file)
        report += stack_report.report(args.elf, args.map, args.build_root, args.nm, reserve=stack)
    sys.stdout.write(report)
    args.output.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

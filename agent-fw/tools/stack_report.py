#!/usr/bin/env python3
"""Worst-case stack of a firmware image per entry point: Reset_Handler (and
so main) and every exception and interrupt handler (*_Handler,
*_IRQHandler), from what GCC wrote beside each object: the .ci call graphs
of -fcallgraph-info=su, which carry the -fstack-usage frame sizes of the .su
files with them (both flags are set in agent-fw/cross/*.ini).

  stack_report.py --elf IMAGE --map IMAGE.map --build-root DIR [--nm arm-none-eabi-nm]
                  [--indirect-depth 3] [--reserve BYTES] [--output FILE] [--verbose]

size_report.py --stack appends it to each image's size report.

How it counts. A function's worst stack is its own frame plus the worst of
its callees. The objects that went into the image come from the linker map.
Functions with no GCC data (newlib, libgcc, assembly) are read from the
disassembly: their frame from the prologue (push, sub sp), their callees
from bl/b.w; calls in inline assembly are taken from there too. Two figures:
- direct calls: only the calls the code names. Exact for those paths, and a
  floor for the whole, since the runtime reaches actors through pointers;
- indirect calls bounded: an indirect call (function pointer, virtual call)
  may reach any function whose address the image holds in a word of flash or
  RAM (vtables, ActorType tables, chart actions, literal pools), nested at
  most --indirect-depth deep (the runtime's own depth: scheduler -> actor ->
  action -> port). A safe ceiling under that assumption, and a loose one.
Flagged: recursion (unbounded; each cycle is counted once), dynamic frames
(alloca, VLAs), functions with no data at all. Each total adds the deepest
handler and the exception entry (8 words, 26 when the image uses the FPU,
plus alignment) to main's worst, for handlers that do not preempt each other.
"""
import argparse
import pathlib
import re
import subprocess
import sys

CI_NODE = re.compile(r'^node: \{ title: "([^"]*)" label: "([^"]*)"')
CI_EDGE = re.compile(r'^edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"')
FRAME = re.compile(r"\\n(\d+) bytes \(([a-z,]+)\)")
INDIRECT = "__indirect_call"


class Function:
    def __init__(self, name):
        self.name = name
        self.label = name
        self.frame = None  # bytes; None: unknown
        self.qualifier = "static"
        self.source = "gcc"  # gcc, prologue, none
        self.callees = set()
        self.indirect_calls = 0


def mangled(title):
    """A .ci title is "file:mangled" for functions with internal or COMDAT linkage,
    and "*name" for one named with asm("name")."""
    name = title.rsplit(":", 1)[-1] if ":" in title else title
    return name.lstrip("*")


def objects_of(map_file, build_root):
    found = []
    for token in set(re.findall(r"(\S+\.o)\b", map_file.read_text(errors="replace"))):
        path = pathlib.Path(token)
        if not path.is_absolute():
            path = build_root / path
        if path.exists():
            found.append(path)
    return sorted(found)


LTRANS_OBJECT = re.compile(r"\.ltrans(\d+)\.ltrans\.o\b")


def callgraph_files(map_file, build_root, elf):
    """The .ci files that describe the image's code. A link-time optimised
    image (-flto at link: its map names GCC's temporary ltransN.ltrans.o) was
    compiled anew at link time, and its link wrote IMAGE.ltransN.ltrans.ci
    beside it (-fcallgraph-info=su among its link args); the objects' own
    .ci files describe code the image does not hold. Otherwise each object's."""
    partitions = sorted(set(LTRANS_OBJECT.findall(map_file.read_text(errors="replace"))), key=int)
    if partitions:
        return [elf.parent / "{}.ltrans{}.ltrans.ci".format(elf.name, n) for n in partitions]
    return [obj.with_suffix(".ci") for obj in objects_of(map_file, build_root)]


def read_callgraphs(ci_paths, functions):
    ci_files = 0
    for ci in ci_paths:
        if not ci.exists():
            continue
        ci_files += 1
        for line in ci.read_text(errors="replace").splitlines():
            node = CI_NODE.match(line)
            if node:
                name = mangled(node.group(1))
                frame = FRAME.search(node.group(2))
                if name == INDIRECT or not frame:
                    continue  # a declaration: defined elsewhere, or in a library
                function = functions.setdefault(name, Function(name))
                size = int(frame.group(1))
                # The same inline function emitted in several objects: keep the largest.
                if function.frame is None or size > function.frame:
                    function.frame = size
                    function.qualifier = frame.group(2)
                function.label = node.group(2).split("\\n")[0]
                continue
            edge = CI_EDGE.match(line)
            if edge:
                source = functions.setdefault(mangled(edge.group(1)), Function(mangled(edge.group(1))))
                target = mangled(edge.group(2))
                if target == INDIRECT:
                    source.indirect_calls += 1
                else:
                    source.callees.add(target)
    return ci_files


def symbols(nm, elf):
    """{name: address} of the image's function symbols."""
    found = {}
    for line in subprocess.run([nm, str(elf)], check=True, capture_output=True, text=True).stdout.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in "TtWw":
            found[fields[2]] = int(fields[0], 16) & ~1
    return found


def demangled(nm, names):
    """{name: demangled} through the c++filt beside nm."""
    names = sorted(names)
    cxxfilt = re.sub(r"nm$", "c++filt", nm)
    try:
        out = subprocess.run([cxxfilt], input="\n".join(names), check=True, capture_output=True, text=True).stdout
        return dict(zip(names, out.splitlines()))
    except (OSError, subprocess.CalledProcessError):
        return {name: name for name in names}


def disassembly(objdump, elf):
    """{symbol: [instruction text, ...]} for every function in the image."""
    text = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(elf)], check=True, capture_output=True,
                          text=True).stdout
    functions = {}
    current = None
    for line in text.splitlines():
        header = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if header:
            current = functions.setdefault(header.group(1), [])
            continue
        if current is not None and re.match(r"^\s+[0-9a-f]+:\t", line):
            current.append(line.split("\t", 1)[1].strip())
    return functions


def register_count(register_list):
    count = 0
    for item in register_list.split(","):
        item = item.strip()
        bounds = re.match(r"([rds])(\d+)-[rds](\d+)", item)
        count += int(bounds.group(3)) - int(bounds.group(2)) + 1 if bounds else 1
    return count


def direct_calls(function, instructions):
    """Calls and tail calls the code makes (bl, b.w to another function's start),
    inline assembly's too, which GCC's call graph does not show."""
    for instruction in instructions:
        call = re.match(r"(?:bl|b\.w|b)\s+[0-9a-f]+ <([^>+]+)>", instruction)
        if call and call.group(1) != function.name:
            function.callees.add(call.group(1))


def from_disassembly(function, instructions):
    """Frame and callees of a function GCC wrote no data for (assembly, prebuilt libraries)."""
    frame = 0
    for instruction in instructions[:12]:
        push = re.match(r"(push(?:\.w)?|stmdb(?:\.w)?\s+sp!,)\s*\{([^}]*)\}", instruction)
        vpush = re.match(r"vpush\s*\{([^}]*)\}", instruction)
        sub = re.match(r"sub(?:w|\.w)?\s+sp,\s*(?:sp,\s*)?#(\d+)", instruction)
        store = re.match(r"str\S*\s+.*\[sp, #-(\d+)\]!", instruction)
        if store:
            frame += int(store.group(1))
        elif push:
            frame += 4 * register_count(push.group(2))
        elif vpush:
            bounds = re.match(r"d(\d+)-d(\d+)", vpush.group(1))
            frame += 8 * (int(bounds.group(2)) - int(bounds.group(1)) + 1 if bounds else 1)
        elif sub:
            frame += int(sub.group(1))
    function.frame = frame
    function.source = "prologue"
    function.indirect_calls += sum(1 for instruction in instructions if re.match(r"blx\s+r", instruction))


def loaded_words(elf):
    """The 4-aligned 32-bit words of the image's allocated sections (flash and RAM contents)."""
    image = elf.read_bytes()
    shoff = int.from_bytes(image[0x20:0x24], "little")
    shentsize = int.from_bytes(image[0x2E:0x30], "little")
    shnum = int.from_bytes(image[0x30:0x32], "little")
    for index in range(shnum):
        header = image[shoff + index * shentsize:shoff + (index + 1) * shentsize]
        kind = int.from_bytes(header[4:8], "little")
        flags = int.from_bytes(header[8:12], "little")
        offset = int.from_bytes(header[16:20], "little")
        size = int.from_bytes(header[20:24], "little")
        if kind != 1 or not flags & 0x2:  # SHT_PROGBITS, SHF_ALLOC
            continue
        for at in range(offset, offset + size - 3, 4):
            yield int.from_bytes(image[at:at + 4], "little")


def address_taken(elf, addresses):
    """Functions whose address (with the Thumb bit) sits in a word of the image."""
    by_word = {address | 1: name for name, address in addresses.items()}
    return {by_word[word] for word in loaded_words(elf) if word in by_word}


class Analysis:
    def __init__(self, functions, indirect_targets, indirect_depth):
        self.functions = functions
        self.targets = indirect_targets
        self.depth = indirect_depth
        self.memo = {}
        self.recursion = set()
        self.unknown = set()
        self.dynamic = set()
        self.indirect_best = {}  # level -> (bytes, function)

    def indirect(self, level):
        """The deepest address-taken function, its own indirect calls nested one level less."""
        if level <= 0:
            return 0, None
        if level not in self.indirect_best:
            best = (0, None)
            for name in sorted(self.targets):
                cost = self.worst(name, level - 1)[0]
                if cost > best[0]:
                    best = (cost, name)
            self.indirect_best[level] = best
        return self.indirect_best[level]

    def worst(self, name, level, stack=()):
        """(bytes, path) of the deepest call chain from `name`."""
        key = (name, level)
        if key in self.memo:
            return self.memo[key]
        if name in stack:
            self.recursion.update(stack[stack.index(name):])
            return 0, []
        function = self.functions.get(name)
        if function is None or function.frame is None:
            self.unknown.add(name)
            return 0, [name]
        if function.qualifier != "static":
            self.dynamic.add(name)
        best, best_path = 0, []
        for callee in sorted(function.callees):
            cost, path = self.worst(callee, level, stack + (name,))
            if cost > best:
                best, best_path = cost, path
        if function.indirect_calls:
            cost, target = self.indirect(level)
            if cost > best:
                best, best_path = cost, ["(indirect)"] + self.worst(target, level - 1)[1]
        result = (function.frame + best, [name] + best_path)
        self.memo[key] = result
        return result

    def label(self, name):
        function = self.functions.get(name)
        return function.label if function else name


def short(label):
    """lit::Scheduler::run(unsigned int) -> Scheduler::run; templates and parameters dropped."""
    text = label
    for _ in range(6):
        text = re.sub(r"<[^<>]*>", "", text)
        text = re.sub(r"\[with [^\[\]]*\]", "", text)
    text = re.sub(r"\(.*$", "", text).strip()
    text = text.split(" ")[-1] if " " in text else text
    parts = [p for p in text.split("::") if p]
    return "::".join(parts[-2:]) if parts else label


def format_path(analysis, path, limit=9):
    items = []
    for name in path:
        if name == "(indirect)":
            items.append("(indirect)")
            continue
        function = analysis.functions.get(name)
        frame = function.frame if function and function.frame is not None else "?"
        items.append("{} {}".format(short(analysis.label(name)), frame))
    if len(items) > limit:
        items = items[:limit // 2] + ["..."] + items[-(limit - limit // 2 - 1):]
    return " > ".join(items)


def tool_beside(nm, name):
    return re.sub(r"nm$", name, nm)


def uses_fpu(code):
    return any(re.match(r"v(ldr|str|mov|add|sub|mul|div|push|pop|cvt|cmp)", instruction)
               for instructions in code.values() for instruction in instructions)


def report(elf, map_file, build_root, nm, reserve=0, indirect_depth=3, verbose=False):
    """The stack report of one image, as text."""
    if map_file is None or not map_file.exists():
        map_file = elf.with_suffix(".map")  # an image built in a subdirectory keeps its map beside it
    if not map_file.exists():
        return "stack {}: no link map ({}), so no list of its objects: not analysed\n".format(elf.name, map_file.name)
    functions = {}
    if read_callgraphs(callgraph_files(map_file, build_root, elf), functions) == 0:
        return ("stack {}: no call graphs (*.ci) beside its objects: this build dir predates -fstack-usage "
                "-fcallgraph-info=su in agent-fw/cross/*.ini (or, linked with -flto, its link args lack "
                "-fcallgraph-info=su); set it up afresh\n".format(elf.name))

    code = disassembly(tool_beside(nm, "objdump"), elf)
    addresses = symbols(nm, elf)
    # Aliases (a C1 constructor is its C2, asm names): one address, one function.
    with_data = {}
    for name, address in addresses.items():
        if name in functions and functions[name].frame is not None:
            with_data.setdefault(address, functions[name])
    for name, address in addresses.items():
        if (name not in functions or functions[name].frame is None) and address in with_data:
            functions[name] = with_data[address]
    for name, instructions in code.items():
        function = functions.get(name)
        if function is None or function.frame is None:
            function = functions.setdefault(name, Function(name))
            from_disassembly(function, instructions)
        direct_calls(function, instructions)
    linked = set(code)
    entries = ["Reset_Handler"] + sorted(n for n in linked if n.endswith("Handler") and n != "Reset_Handler")
    targets = address_taken(elf, {n: a for n, a in addresses.items() if n in linked}) - set(entries) - {"main"}
    # The core stacks 8 words on exception entry; with the FPU in use, room for
    # its lazy context too (26 words), at most 4 bytes of alignment besides.
    exception_frame = (104 if uses_fpu(code) else 32) + 4

    # Callees named in some object's graph but not linked: that caller's copy was not the one kept.
    for function in functions.values():
        function.callees &= linked
    analysis = Analysis(functions, targets, indirect_depth)
    direct = Analysis(functions, set(), 0)
    rows = []
    for entry in entries:
        worst_bytes, path = analysis.worst(entry, indirect_depth)
        rows.append((entry, worst_bytes, direct.worst(entry, 0)[0], path))

    def total(column):
        handler = max(rows[1:], key=lambda row: row[column], default=None)
        if handler is None:
            return rows[0][column], "main {}".format(rows[0][column])
        return (rows[0][column] + handler[column] + exception_frame,
                "main {} + {} {} + entry {}".format(rows[0][column], handler[0], handler[column],
                                                              exception_frame))

    bounded, bounded_sum = total(1)
    exact, exact_sum = total(2)
    lines = ["stack {}{}: direct calls {} B = {}; indirect calls bounded {} B = {}".format(
        elf.name, " (reserve {} B)".format(reserve) if reserve else "", exact, exact_sum, bounded, bounded_sum)]
    width = max(len(row[0]) for row in rows)
    for entry, worst_bytes, direct_bytes, path in rows:
        lines.append("  {:<{}} {:>5} B  (direct calls {:>4} B)  {}".format(
            entry, width, worst_bytes, direct_bytes, format_path(analysis, path, 99 if verbose else 7)))
    reached = {name for name, _ in analysis.memo}
    prologue_only = sorted(n for n in reached if n in functions and functions[n].source == "prologue")
    names = demangled(nm, analysis.recursion | analysis.dynamic | set(prologue_only) | analysis.unknown)

    def listing(found, limit=8):
        items = sorted({short(names[n]) + ("" if functions.get(n) is None or functions[n].frame is None else
                                           " " + str(functions[n].frame)) for n in found})
        more = len(items) - limit if not verbose and len(items) > limit else 0
        return ", ".join(items[:len(items) - more]) + (" and {} more".format(more) if more else "")

    lines.append("  indirect calls: to any of the {} address-taken functions, nested at most {} deep; "
                 "{} library functions sized from their prologue{}".format(
                     len(targets), indirect_depth, len(prologue_only), "" if verbose else " (--verbose lists them)"))
    if analysis.recursion:
        lines.append("  recursion (unbounded; each cycle counted once): " + listing(analysis.recursion))
    if analysis.dynamic:
        lines.append("  dynamic frames (alloca, VLAs): " + listing(analysis.dynamic))
    if prologue_only and verbose:
        lines.append("  frames read from the prologue (no GCC data): " + listing(prologue_only))
    if analysis.unknown:
        lines.append("  no data at all (counted as 0): " + listing(analysis.unknown))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elf", required=True, type=pathlib.Path)
    parser.add_argument("--map", required=True, type=pathlib.Path)
    parser.add_argument("--build-root", required=True, type=pathlib.Path)
    parser.add_argument("--nm", default="arm-none-eabi-nm", help="objdump and c++filt are taken from beside it")
    parser.add_argument("--indirect-depth", type=int, default=3)
    parser.add_argument("--reserve", type=int, default=0, help="the stack reserve, for the report")
    parser.add_argument("--output", type=pathlib.Path)
    parser.add_argument("--verbose", action="store_true", help="whole paths and lists")
    args = parser.parse_args()
    text = report(args.elf, args.map, args.build_root, args.nm, args.reserve, args.indirect_depth, args.verbose)
    sys.stdout.write(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

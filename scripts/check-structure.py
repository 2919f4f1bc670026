#!/usr/bin/env python3
"""check-structure.py - keep daemon/ in the shape issue 9 asks for.

Usage: scripts/check-structure.py [ROOT]     (ROOT defaults to the checkout)

Three rules, each violation printed as FILE:LINE: message; exit 1 if there
is any, 0 otherwise.  Python 3 standard library only.

(a) No file in daemon/ over 500 lines.  Reported at its line 501.

(b) No C function in daemon/*.c over 60 lines.  A function's length is the
    number of physical lines strictly between the `{` that opens its body
    and the `}` that closes it (blank and comment lines count: they are
    lines a reader has to get through).  Reported at the line of its name.
    Exempt, because a dispatch reads one arm at a time:
      * a function whose body is mostly one `switch`: a switch statement
        in it (directly, or as the body of a loop, as a state machine fed
        byte by byte has it) spans at least 3/4 of the body's lines, from
        the `switch` keyword to its closing brace (state machines,
        callback dispatchers);
      * a function marked as a dispatcher: the line right above its first
        line (the return type, in this code base's style) is exactly
        `/* dispatch */`.
    An exempt function still may not have a `case` arm (from its label to
    the next label of the same switch, or the switch's end) over 60 lines.
    Comments, string and character literals and preprocessor lines are
    blanked before braces are counted, so braces inside them do not count;
    the return type may be on its own line (`static int\\nfoo(void)\\n{`).

(c) No include cycle among daemon/ modules.  Module X is daemon/X.c,
    include/wspushd/X.h and a private daemon/X.h.  X depends on Y if one of
    X's files includes wspushd/Y.h (or "Y.h" from daemon/).  A private
    header of daemon/ with no daemon/Y.c of its own (config_internal.h)
    belongs to the modules whose .c files define the functions it declares:
    including it depends on each of them.  Every strongly connected group
    of modules is reported, with the shortest cycle through each of its
    modules and, for each step, the FILE:LINE of the #include.
"""
import os
import re
import sys

MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 60
SWITCH_SHARE = 0.75
DISPATCH_MARKER = "/* dispatch */"


# ---------------------------------------------------------------------------
# C text with comments, literals and preprocessor lines blanked.

def blank_c(text):
    """The text with every comment, string and character literal content
    and every preprocessor line (continuations included) replaced by
    spaces; newlines are kept, so offsets and line numbers stay valid.
    Quotes of literals are kept, their contents blanked."""
    out = list(text)
    n = len(text)
    i = 0
    at_line_start = True          # only spaces since the last newline
    while i < n:
        c = text[i]
        if c == "\n":
            at_line_start = True
            i += 1
            continue
        if at_line_start and c == "#":
            # A directive: up to the end of the line, and the next while
            # the line ends with a backslash.  Comments inside are blanked
            # with it (a /* */ spanning lines is followed to its end).
            j = i
            while j < n:
                if text.startswith("/*", j):
                    k = text.find("*/", j + 2)
                    k = n if k < 0 else k + 2
                    for m in range(j, k):
                        if out[m] != "\n":
                            out[m] = " "
                    j = k
                    continue
                if text[j] == "\n":
                    if j > 0 and text[j - 1] == "\\":
                        j += 1
                        continue
                    break
                out[j] = " "
                j += 1
            i = j
            continue
        if c not in " \t\f\v\r":
            at_line_start = False
        if text.startswith("//", i):
            j = i
            while j < n and not (text[j] == "\n" and text[j - 1] != "\\"):
                if text[j] != "\n":
                    out[j] = " "
                j += 1
            i = j
            continue
        if text.startswith("/*", i):
            k = text.find("*/", i + 2)
            k = n if k < 0 else k + 2
            for m in range(i, k):
                if out[m] != "\n":
                    out[m] = " "
            i = k
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    if text[j + 1] != "\n":
                        out[j + 1] = " "
                    out[j] = " "
                    j += 2
                    continue
                if text[j] == "\n":       # unterminated: stop at the line end
                    break
                out[j] = " "
                j += 1
            i = j + 1
            continue
        i += 1
    return "".join(out)


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def skip_attributes(s):
    """s without __attribute__((...)) groups (balanced parentheses)."""
    out = []
    i = 0
    for m in re.finditer(r"\b__attribute__\s*\(", s):
        if m.start() < i:
            continue
        out.append(s[i:m.start()])
        depth, j = 0, m.end() - 1
        while j < len(s):
            if s[j] == "(":
                depth += 1
            elif s[j] == ")":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        i = j + 1
        out.append(" " * (i - m.start()))
    out.append(s[i:])
    return "".join(out)


def matching(text, open_at, opening="{", closing="}"):
    """Offset of the bracket that closes the one at open_at, or -1."""
    depth = 0
    for j in range(open_at, len(text)):
        if text[j] == opening:
            depth += 1
        elif text[j] == closing:
            depth -= 1
            if depth == 0:
                return j
    return -1


FUNC_HEAD = re.compile(r"([A-Za-z_]\w*)\s*\([^;{}]*\)\s*$", re.S)


def functions(blanked):
    """[(name, name offset, body open offset, body close offset)] of the
    function definitions at file scope, and a list of parse problems."""
    found, problems = [], []
    i, n = 0, len(blanked)
    head_start = 0                 # where the current file-scope declaration began
    while i < n:
        c = blanked[i]
        if c in ";":
            head_start = i + 1
        elif c == "}":
            problems.append((i, "a '}' with no '{' at file scope"))
            head_start = i + 1
        elif c == "{":
            close = matching(blanked, i)
            if close < 0:
                problems.append((i, "a '{' that is never closed"))
                break
            head = skip_attributes(blanked[head_start:i])
            m = FUNC_HEAD.search(head)
            # A function head ends with its parameter list; an initializer
            # (`= {`), a struct, union or enum body does not.
            if m and "=" not in head[:m.start()]:
                name_at = head_start + m.start(1)
                found.append((m.group(1), name_at, i, close))
            i = close
            head_start = close + 1
        i += 1
    return found, problems


def body_switches(blanked, open_at, close_at):
    """[(switch offset, its '{', its '}')] of the switch statements in the
    body between open_at and close_at, at any depth (a state machine's
    switch is often the body of a loop), outermost first."""
    out = []
    for m in re.finditer(r"\bswitch\b", blanked[open_at:close_at]):
        j = open_at + m.start()
        p = blanked.find("(", j)
        q = matching(blanked, p, "(", ")") if p >= 0 else -1
        b = q + 1 if q >= 0 else -1
        while 0 <= b < close_at and blanked[b].isspace():
            b += 1
        if b >= 0 and blanked[b] == "{":
            out.append((j, b, matching(blanked, b)))
    return out


CASE_LABEL = re.compile(r"\b(case\b[^:]*|default\s*):(?!:)")


def arms(blanked, open_at, close_at):
    """[(label offset, length in lines)] of the case arms of the switch whose
    body is open_at..close_at: labels at its own depth only."""
    labels = []
    depth = 0
    j = open_at
    while j < close_at:
        c = blanked[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 1 and c in "cd":
            m = CASE_LABEL.match(blanked, j)
            if m and not (blanked[j - 1].isalnum() or blanked[j - 1] == "_"):
                labels.append(j)
                j = m.end()
                continue
        j += 1
    end_line = line_of(blanked, close_at)
    lines = [line_of(blanked, x) for x in labels] + [end_line]
    return [(labels[k], lines[k + 1] - lines[k]) for k in range(len(labels))]


def check_functions(rel, text, report):
    blanked = blank_c(text)
    lines = text.split("\n")
    found, problems = functions(blanked)
    for off, what in problems:
        report(rel, line_of(blanked, off), "cannot check function lengths: %s" % what)
    for name, name_at, open_at, close_at in found:
        first = line_of(blanked, open_at)
        last = line_of(blanked, close_at)
        body = last - first - 1
        if body <= MAX_FUNCTION_LINES:
            continue
        name_line = line_of(blanked, name_at)
        # The function's first line: where its head starts (the return type).
        k = name_at
        while k > 0 and blanked[k - 1] not in ";}":
            k -= 1
        while k < name_at and blanked[k].isspace():
            k += 1
        head_line = line_of(blanked, k)
        marked = head_line >= 2 and lines[head_line - 2].strip() == DISPATCH_MARKER
        switches = body_switches(blanked, open_at, close_at)
        mostly = [s for s in switches
                  if line_of(blanked, s[2]) - line_of(blanked, s[0]) + 1 >= SWITCH_SHARE * body]
        if not marked and not mostly:
            report(rel, name_line, "function %s() is %d lines (limit %d; a dispatch switch "
                   "would be exempt)" % (name, body, MAX_FUNCTION_LINES))
            continue
        for _, sw_open, sw_close in (switches if marked else mostly):
            for label_at, length in arms(blanked, sw_open, sw_close):
                if length > MAX_FUNCTION_LINES:
                    report(rel, line_of(blanked, label_at),
                           "%s(): a case arm of its dispatch switch is %d lines (limit %d)"
                           % (name, length, MAX_FUNCTION_LINES))


# ---------------------------------------------------------------------------
# Modules and includes.

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"]+)[>"]', re.M)


def declared_functions(header_text):
    """Names of the functions a header declares (prototypes at file scope)."""
    blanked = skip_attributes(blank_c(header_text))
    names = set()
    depth = 0
    flat = []
    for c in blanked:                 # drop everything inside braces
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0:
            flat.append(c)
    for stmt in "".join(flat).split(";"):
        stmt = stmt.strip()
        if not stmt or stmt.startswith("typedef"):
            continue
        m = re.search(r"([A-Za-z_]\w*)\s*\(", stmt)
        if m and "=" not in stmt[:m.start()]:
            names.add(m.group(1))
    return names


def includes(path):
    """[(line, quote, target)] of a file's #include lines."""
    with open(path, errors="replace") as f:
        text = f.read()
    blanked_comments = blank_c_keep_directives(text)
    return [(line_of(blanked_comments, m.start()), m.group(1), m.group(2))
            for m in INCLUDE.finditer(blanked_comments)]


def blank_c_keep_directives(text):
    """Comments blanked (so a commented-out #include does not count), the
    directives themselves kept."""
    out = list(text)
    for m in re.finditer(r"/\*.*?\*/|//[^\n]*", text, re.S):
        for k in range(m.start(), m.end()):
            if out[k] != "\n":
                out[k] = " "
    return "".join(out)


def check_includes(root, report):
    ddir = os.path.join(root, "daemon")
    idir = os.path.join(root, "include", "wspushd")
    files = {}                        # module -> [(relative path, absolute path)]

    def add(module, rel):
        files.setdefault(module, []).append((rel, os.path.join(root, rel)))

    for f in sorted(os.listdir(ddir)):
        if f.endswith((".c", ".h")):
            add(f[:-2], "daemon/" + f)
    if os.path.isdir(idir):
        for f in sorted(os.listdir(idir)):
            if f.endswith(".h"):
                add(f[:-2], "include/wspushd/" + f)

    # Private headers without a .c: owned by the modules defining their
    # functions.
    defined = {}                      # function name -> module
    for module, fl in files.items():
        for rel, path in fl:
            if rel.endswith(".c"):
                with open(path, errors="replace") as f:
                    blanked = blank_c(f.read())
                for name, _, _, _ in functions(blanked)[0]:
                    defined.setdefault(name, module)
    owners = {}
    for f in sorted(os.listdir(ddir)):
        if f.endswith(".h") and not os.path.exists(os.path.join(ddir, f[:-2] + ".c")):
            with open(os.path.join(ddir, f), errors="replace") as fh:
                names = declared_functions(fh.read())
            owners[f[:-2]] = sorted({defined[x] for x in names if x in defined})

    edges = {}                        # (X, Y) -> "file:line"
    for module, fl in files.items():
        for rel, path in fl:
            for line, quote, target in includes(path):
                if target.startswith("wspushd/") and target.endswith(".h"):
                    dep = [target[len("wspushd/"):-2]]
                elif quote == '"' and "/" not in target and target.endswith(".h") and \
                        os.path.exists(os.path.join(ddir, target)):
                    dep = owners.get(target[:-2], [target[:-2]])
                else:
                    continue
                for y in dep:
                    if y != module and y in files:
                        edges.setdefault((module, y), "%s:%d" % (rel, line))

    graph = {m: sorted(y for (x, y) in edges if x == m) for m in files}
    for comp in strongly_connected(graph):
        if len(comp) < 2:
            continue
        cycles = []
        for m in sorted(comp):
            c = shortest_cycle(graph, m, set(comp))
            key = rotate(c)
            if key not in cycles:
                cycles.append(key)
        first = edges[(cycles[0][0], cycles[0][1])]
        rel, line = first.rsplit(":", 1)
        report(rel, int(line), "include cycle among %d modules: %s"
               % (len(comp), ", ".join(sorted(comp))))
        for c in cycles:
            steps = ["%s -> %s (%s)" % (a, b, edges[(a, b)]) for a, b in zip(c, c[1:] + c[:1])]
            print("    cycle: " + "; ".join(steps))


def strongly_connected(graph):
    """Tarjan's algorithm, iterative; a list of sets of nodes."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(graph.get(w, []))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                out.append(comp)
    return out


def shortest_cycle(graph, start, within):
    """The shortest cycle start -> ... -> start inside `within` (BFS)."""
    prev = {start: None}
    queue = [start]
    for v in queue:
        for w in graph[v]:
            if w not in within:
                continue
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path))
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return [start]


def rotate(cycle):
    k = cycle.index(min(cycle))
    return cycle[k:] + cycle[:k]


# ---------------------------------------------------------------------------

def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ddir = os.path.join(root, "daemon")
    if not os.path.isdir(ddir):
        print("check-structure: no daemon/ under %s" % root, file=sys.stderr)
        return 2
    counts = {"file length": 0, "function length": 0, "include cycle": 0}
    rule = [None]

    def report(rel, line, message):
        counts[rule[0]] += 1
        print("%s:%d: %s" % (rel, line, message))

    rule[0] = "file length"
    for f in sorted(os.listdir(ddir)):
        path = os.path.join(ddir, f)
        if not os.path.isfile(path):
            continue
        with open(path, errors="replace") as fh:
            n = len(fh.read().splitlines())
        if n > MAX_FILE_LINES:
            report("daemon/" + f, MAX_FILE_LINES + 1,
                   "file has %d lines (limit %d)" % (n, MAX_FILE_LINES))

    rule[0] = "function length"
    for f in sorted(os.listdir(ddir)):
        if f.endswith(".c"):
            with open(os.path.join(ddir, f), errors="replace") as fh:
                check_functions("daemon/" + f, fh.read(), report)

    rule[0] = "include cycle"
    check_includes(root, report)

    total = sum(counts.values())
    print("check-structure: %s" % ", ".join("%d %s" % (v, k) for k, v in counts.items())
          + ("" if total else " - OK"))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

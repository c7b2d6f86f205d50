"""The command's defects of issue 10: runaway graph layouts (5), terminal escape
injection (10), writes through symbolic links (11), a closed stdout (19) and a
stdout that cannot write UTF-8."""

import os
import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from viz import safe, worked
from viz import cli
from viz.cli import figures
from viz.graphs import render as render_mod
from viz.cli import main

EXAMPLES = worked.bundled_examples()
SEED001 = next(p for p in EXAMPLES if p.stem.startswith("seed001"))
ROOT = Path(__file__).resolve().parent.parent


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, out, err, *fragments):
    assert code == 2, (code, out, err)
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


# --- item 5: a node limit and a render limit -----------------------------------------------


def chain_file(path, n):
    """v0 = x*1.01, v_i = v_(i-1)*1.01, loss = v_(n-1)*1.0: one product per node."""
    lines = ['title = "a long chain"', "[params]", "x = 0.5", "[nodes]", 'v0 = "x*1.01"']
    lines += [f'v{i} = "v{i - 1}*1.01"' for i in range(1, n)]
    lines.append(f'loss = "v{n - 1}*1.0"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # values: x, n+1 constants, n+1 products; operations: the n+1 products
    return 2 * n + 3, n + 1


@pytest.fixture
def no_layout(monkeypatch):
    """Any layout attempt fails the test; returns the list of attempts otherwise allowed."""
    calls = []

    def fake_render(source, fmt, backend=None, timeout=None, memory_limit=None):
        calls.append((fmt, timeout, memory_limit))
        if not getattr(fake_render, "allowed", False):
            raise AssertionError("the layout ran")
        return b"<svg/>"

    monkeypatch.setattr("viz.graphs.base.render", fake_render)
    return fake_render, calls


def test_a_2000_node_chain_is_refused_before_the_layout(capsys, tmp_path, no_layout):
    big = tmp_path / "chain.toml"
    values, operations = chain_file(big, 2000)
    total = values + operations  # 4003 + 2001 = 6004
    assert figures.DEFAULT_MAX_NODES < total
    figs = tmp_path / "figs"
    code, out, err = run_cli(capsys, "run", str(big), "-o", str(figs))
    one_line_error(code, out, err, f"cannot write the graph {figs / 'chain.svg'} (-o {figs}): ",
                   f"the graph has {total} nodes ({values} values, {operations} operations), "
                   f"more than --max-nodes {figures.DEFAULT_MAX_NODES}", "--no-graphs",
                   f"--max-nodes {total}")
    assert "a long chain" in out  # the report itself is printed
    assert not (figs / "chain.svg").exists()
    target = tmp_path / "chain.svg"
    code, out, err = run_cli(capsys, "draw", str(big), "-o", str(target))
    one_line_error(code, out, err, f"cannot write the graph (-o {target}): ",
                   f"the graph has {total} nodes", "-o chain.dot", f"--max-nodes {total}")
    assert out == "" and not target.exists()
    assert no_layout[1] == []  # bounded by the node count: no layout was started


def test_max_nodes_raises_the_limit_and_dot_text_needs_none(capsys, tmp_path, no_layout):
    fake_render, calls = no_layout
    big = tmp_path / "chain.toml"
    values, operations = chain_file(big, 300)
    total = values + operations
    dot = tmp_path / "chain.dot"
    code, out, err = run_cli(capsys, "draw", str(big), "-o", str(dot))
    assert code == 0, err
    assert dot.read_text(encoding="utf-8").startswith("digraph")
    fake_render.allowed = True
    code, out, err = run_cli(capsys, "draw", str(big), "-o", str(tmp_path / "a.svg"),
                             "--max-nodes", str(total))
    assert code == 0, err
    assert (tmp_path / "a.svg").read_bytes() == b"<svg/>"
    code, out, err = run_cli(capsys, "draw", str(big), "-o", str(tmp_path / "b.svg"),
                             "--max-nodes", str(total - 1))
    one_line_error(code, out, err, f"more than --max-nodes {total - 1}")
    # the layout gets the default time and memory limits
    assert calls == [("svg", figures.DEFAULT_RENDER_TIMEOUT, figures.DEFAULT_RENDER_MEMORY * 2**20)]


def fake_backend(tmp_path, monkeypatch, script):
    """A `dot` on PATH that runs ``script`` (a Python program)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "dot"
    exe.write_text(f"#!{sys.executable}\n" + textwrap.dedent(script), encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    assert render_mod.find_backend("svg").executable == str(exe)


@pytest.mark.skipif(os.name != "posix", reason="a fake backend script needs POSIX")
def test_a_layout_past_the_time_limit_is_stopped(capsys, tmp_path, monkeypatch):
    pid_file = tmp_path / "pid"
    fake_backend(tmp_path, monkeypatch, f"""
        import os, time
        with open({str(pid_file)!r} + ".new", "w") as f:
            f.write(str(os.getpid()))
        os.replace({str(pid_file)!r} + ".new", {str(pid_file)!r})
        time.sleep(20)  # far past the limit below; an unbounded render fails, not hangs
    """)
    monkeypatch.setenv(figures.RENDER_TIMEOUT_VAR, "2")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "draw", "seed001", "-o", "g.svg")
    one_line_error(code, out, err, "cannot write the graph (-o g.svg): ",
                   "dot took longer than the 2 s limit to lay out the graph of 51 nodes",
                   "-o seed001_2-2-1_shared_bias.dot", figures.RENDER_TIMEOUT_VAR)
    assert not (tmp_path / "g.svg").exists()
    if pid_file.exists():  # it started (on a slow machine it may be killed before that)
        with pytest.raises(ProcessLookupError):  # killed and reaped, not left running
            os.kill(int(pid_file.read_text()), 0)
    code, out, err = run_cli(capsys, "run", "seed001", "-o", "figs")
    one_line_error(code, out, err, "took longer than the 2 s limit", "--no-graphs")


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_AS is POSIX")
def test_a_layout_gets_a_memory_cap(capsys, tmp_path, monkeypatch):
    fake_backend(tmp_path, monkeypatch, """
        import sys
        block = bytearray(1 << 30)  # 1 GiB, more than the cap below
        sys.stdout.write("<svg/>")
    """)
    monkeypatch.setenv(figures.RENDER_MEMORY_VAR, "256")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "draw", "seed001", "-o", "g.svg")
    one_line_error(code, out, err, "dot failed (exit 1, with at most 256 MB of memory)",
                   "MemoryError", figures.RENDER_MEMORY_VAR)
    assert not (tmp_path / "g.svg").exists()
    monkeypatch.setenv(figures.RENDER_MEMORY_VAR, "4096")  # room for it: the same backend works
    code, out, err = run_cli(capsys, "draw", "seed001", "-o", "g.svg")
    assert code == 0, err
    assert (tmp_path / "g.svg").read_bytes() == b"<svg/>"


@pytest.mark.parametrize("var, value", [
    (figures.RENDER_TIMEOUT_VAR, "soon"), (figures.RENDER_TIMEOUT_VAR, "0"),
    (figures.RENDER_MEMORY_VAR, "-5"), (figures.RENDER_MEMORY_VAR, "nan"),
])
def test_a_bad_render_limit_is_one_line(capsys, tmp_path, monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    code, out, err = run_cli(capsys, "draw", "seed001", "-o", str(tmp_path / "g.svg"))
    one_line_error(code, out, err, f"{var}={value}: expected a positive number")


def test_every_bundled_example_is_within_the_default_node_limit(capsys, tmp_path, no_layout):
    no_layout[0].allowed = True
    code, out, err = run_cli(capsys, "run", "-o", str(tmp_path))
    assert code == 0 and err == ""
    assert len(no_layout[1]) == len(EXAMPLES)


# --- item 10: nothing a file says steers the terminal ---------------------------------------

# an OSC window title, clear screen, reset, hidden text, CR/LF, a fake line, bidi
# override and isolates, a C1 CSI, DEL
EVIL = ("ALL\x1b]0;pwned\x07 \x1b[2J\x1bc \x1b[8mhidden\r\nALL NUMBERS EXACT "
        "\u202egnp.exe\u2066x\u2069 \x9b31m DEL\x7f")
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
OWN_COLOURS = re.compile("\x1b\\[(?:0|1|2|1;31|32|33|36)m")  # cli.Style and check's table


def toml_string(text):
    return '"' + "".join(f"\\u{ord(c):04x}" if not c.isascii() or not c.isprintable()
                         else c for c in text) + '"'


def evil_copy(folder, name="evil.toml"):
    text = SEED001.read_text(encoding="utf-8")
    lines = [f"title = {toml_string(EVIL)}" if line.startswith("title =") else
             f"source = {toml_string(EVIL)}" if line.startswith("source =") else line
             for line in text.split("\n")]
    path = folder / name
    path.write_text("\n".join(lines), encoding="utf-8")
    assert worked.load(path).title == EVIL
    return path


def assert_no_raw_controls(text, colour):
    if colour:
        text = OWN_COLOURS.sub("", text)
    raw = CONTROL.findall(text)
    assert not raw, raw


@pytest.mark.parametrize("colour", ["never", "always"])
def test_file_text_is_printed_with_its_controls_visible(capsys, tmp_path, monkeypatch, colour):
    monkeypatch.chdir(tmp_path)
    evil_copy(tmp_path)
    shown = safe.visible(EVIL)
    assert shown == ("ALL\\x1b]0;pwned\\x07 \\x1b[2J\\x1bc \\x1b[8mhidden\\r\\nALL NUMBERS EXACT "
                     "\\u202egnp.exe\\u2066x\\u2069 \\x9b31m DEL\\x7f")
    commands = [["run", "evil.toml", "-o", "figs"], ["check", "evil.toml"],
                ["check", "evil.toml", "--json"], ["explain", "evil.toml", "--wrt", "b1"],
                ["train", "evil.toml", "--steps", "3", "-q"], ["draw", "evil.toml", "-o", "g.dot"]]
    for argv in commands:
        code, out, err = run_cli(capsys, "--color", colour, *argv)
        # seed 001's own arithmetic has slips (0.0134 * 0.10 = 0.00135): check exits 1
        assert code == (1 if argv[0] == "check" else 0), (argv, err)
        assert_no_raw_controls(out, colour == "always")
        assert_no_raw_controls(err, False)
        if argv[0] in ("run", "train") or argv == ["check", "evil.toml"]:
            assert "\\x1b[8mhidden\\r\\nALL NUMBERS EXACT \\u202egnp.exe" in out, argv
    # the listing of the bundled examples
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    evil_copy(bundled, "seed900_evil.toml")
    monkeypatch.setattr(worked.example, "EXAMPLES_DIR", bundled)
    code, out, err = run_cli(capsys, "--color", colour, "examples")
    assert code == 0 and "seed900_evil" in out
    assert_no_raw_controls(out, colour == "always")
    assert "\\x1b]0;pwned\\x07" in out


def test_error_lines_and_file_names_show_their_controls(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # a bad expression: the message quotes it, bidi override and C1 control included
    bad = tmp_path / "bad.toml"
    bad.write_text('[params]\nx = 1.0\n[nodes]\nloss = "x \\u202e\\u009b2J + 1"\n',
                   encoding="utf-8")
    for argv in (["check", "bad.toml"], ["run", "bad.toml", "--no-graphs"],
                 ["explain", "bad.toml", "--wrt", "x"], ["train", "bad.toml"]):
        code, out, err = run_cli(capsys, *argv)
        one_line_error(code, out, err, "bad.toml: nodes.loss")
        assert_no_raw_controls(err, False)
    # a file whose name carries an escape sequence
    named = evil_copy(tmp_path, "x\x1b[8my.toml")
    code, out, err = run_cli(capsys, "--color", "always", "run", str(named), "-o", "figs")
    assert code == 0, err
    assert_no_raw_controls(out, True)
    assert "x\\x1b[8my" in out  # its path, and its graph's
    code, out, err = run_cli(capsys, "check", "x\x1b[2Jnothing.toml")
    one_line_error(code, out, err, "x\\x1b[2Jnothing.toml: no such file")


# --- item 11: never write through a symbolic link --------------------------------------------


def dangling(link, target):
    os.symlink(target, link)
    assert link.is_symlink() and not link.exists()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_no_output_is_written_through_a_dangling_link(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    figs = tmp_path / "figs"
    figs.mkdir()
    dangling(tmp_path / "link.toml", elsewhere / "copied.toml")
    dangling(figs / "seed001_2-2-1_shared_bias.svg", elsewhere / "graph.svg")
    dangling(tmp_path / "g.svg", elsewhere / "drawn.svg")
    dangling(tmp_path / "log.csv", elsewhere / "log.csv")
    cases = [
        (["examples", "--copy", "seed001", "link.toml"], "the copy of"),
        (["examples", "--copy", "seed001", "link.toml", "--force"], "the copy of"),
        (["run", "seed001", "-o", "figs"], "the graph figs/seed001_2-2-1_shared_bias.svg"),
        (["draw", "seed001", "-o", "g.svg"], "the graph (-o g.svg)"),
        (["train", "seed001", "--steps", "2", "-q", "--log", "log.csv"], "the log (--log log.csv)"),
    ]
    for argv, what in cases:
        code, out, err = run_cli(capsys, *argv)
        one_line_error(code, out, err, f"cannot write {what}", "is a symbolic link",
                       "does not exist")
        assert out == "", argv  # refused before the work
    assert list(elsewhere.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_no_output_replaces_what_a_link_points_to(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    for name in ("copy.toml", "g.svg", "g.dot", "log.csv"):
        os.symlink(precious, tmp_path / name)
    for argv in (["examples", "--copy", "seed001", "copy.toml", "--force"],
                 ["draw", "seed001", "-o", "g.svg"], ["draw", "seed001", "-o", "g.dot"],
                 ["train", "seed001", "--steps", "2", "-q", "--log", "log.csv"]):
        code, out, err = run_cli(capsys, *argv)
        one_line_error(code, out, err, "is a symbolic link (to ")
    assert precious.read_text(encoding="utf-8") == "keep me"
    assert all((tmp_path / n).is_symlink() for n in ("copy.toml", "g.svg", "g.dot", "log.csv"))


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_linked_output_folder_is_the_users_own_way_there(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(real, tmp_path / "figs")
    code, out, err = run_cli(capsys, "run", "seed001", "-o", "figs")
    assert code == 0, err
    assert (real / "seed001_2-2-1_shared_bias.svg").is_file()
    code, out, err = run_cli(capsys, "examples", "--copy", "seed001", "figs")
    assert code == 0, err
    assert (real / SEED001.name).read_bytes() == SEED001.read_bytes()
    # a link to a folder that is not there: refused, and nothing made where it points
    dangling(tmp_path / "gone", tmp_path / "nowhere")
    code, out, err = run_cli(capsys, "run", "seed001", "-o", "gone")
    one_line_error(code, out, err, "cannot write the graphs (-o gone): ", "symbolic link",
                   "does not exist")
    assert out == "" and not (tmp_path / "nowhere").exists()


def test_write_file_replaces_a_file_and_refuses_links(tmp_path):
    target = tmp_path / "out.svg"
    target.write_bytes(b"old")
    safe.write_file(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.svg"]  # no temporary left
    with pytest.raises(FileExistsError):
        safe.write_file(target, b"other", overwrite=False)
    assert target.read_bytes() == b"new"
    safe.write_file(tmp_path / "fresh.csv", b"a,b\r\n", overwrite=False)
    assert (tmp_path / "fresh.csv").read_bytes() == b"a,b\r\n"
    if hasattr(os, "symlink"):
        os.symlink(tmp_path / "nowhere", tmp_path / "link")
        for overwrite in (True, False):
            with pytest.raises(safe.UnsafeTarget, match="symbolic link"):
                safe.write_file(tmp_path / "link", b"x", overwrite=overwrite)
        assert not (tmp_path / "nowhere").exists()
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo")
        with pytest.raises(safe.UnsafeTarget, match="not a regular file"):
            safe.write_file(tmp_path / "fifo", b"x")


# --- item 19: a closed stdout; a stdout without UTF-8 ------------------------------------------


def command(*argv, **env):
    return [sys.executable, "-m", "viz", *argv], dict(
        os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1", **env)


@pytest.mark.skipif(os.name != "posix", reason="needs os.pipe semantics of POSIX")
@pytest.mark.parametrize("argv", [
    ["run"], ["run", "--no-graphs"], ["check", "seed000"], ["check", "seed000", "--json"],
    ["explain", "seed001", "--wrt", "b1"], ["train", "seed002", "-q"], ["examples"],
])
def test_a_closed_stdout_ends_the_command_quietly(tmp_path, argv):
    read_end, write_end = os.pipe()
    os.close(read_end)  # closed before the first line: every write to stdout fails
    args, env = command(*argv)
    try:
        p = subprocess.run(args, stdout=write_end, stderr=subprocess.PIPE, cwd=tmp_path,
                           env=env, timeout=120)
    finally:
        os.close(write_end)
    # no "cannot write the graph …: broken pipe", no traceback
    assert p.stderr == b""
    assert p.returncode == cli.EXIT_PIPE == 141


class ClosesAfter:
    """A stdout whose reader goes away once ``marker`` is written."""

    encoding, errors = "utf-8", "strict"

    def __init__(self, marker):
        self.marker, self.text, self.closed = marker, "", False

    def write(self, text):
        if self.closed:
            raise BrokenPipeError(32, "Broken pipe")
        self.text += text
        if self.marker in self.text:
            self.closed = True
        return len(text)

    def flush(self):
        if self.closed:
            raise BrokenPipeError(32, "Broken pipe")

    def isatty(self):
        return False


def test_a_pipe_closed_after_the_graph_line_is_no_failed_graph(capsys, tmp_path, monkeypatch):
    stdout = ClosesAfter("Graph: ")
    monkeypatch.setattr(sys, "stdout", stdout)
    code = main(["run", "seed000", "seed001", "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert err == "" and code == 141
    assert (tmp_path / "seed000_3-2-1_textbook.svg").is_file()


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_a_stdout_without_utf8_writes_ascii_forms(tmp_path, encoding):
    args, env = command("explain", "seed001", "--wrt", "b1", PYTHONIOENCODING=encoding)
    p = subprocess.run(args, capture_output=True, cwd=tmp_path, env=env, timeout=120)
    assert p.returncode == 0 and p.stderr == b"", p.stderr
    text = p.stdout.decode(encoding)
    # ∂loss/∂b1 and the arrows of a path, in ASCII
    assert "dloss/db1 by the chain rule: 2 paths" in text
    assert "Path 1: loss -> y_hat -> z_out -> a_h1 -> z_h1 -> b1" in text
    for argv in (["run", "--no-graphs"], ["check", "seed000"], ["train", "seed002", "-q"]):
        args, env = command(*argv, PYTHONIOENCODING=encoding)
        p = subprocess.run(args, capture_output=True, cwd=tmp_path, env=env, timeout=120)
        assert p.returncode in (0, 1) and p.stderr == b"", (argv, p.stderr)
        assert "━" not in p.stdout.decode(encoding)

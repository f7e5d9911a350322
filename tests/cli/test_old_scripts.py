"""Scripts and files users already have, run unchanged with `deployit-cli -f` against the real server:
their helper modules, Java bean properties, the Java and XL Deploy classes they import, `-expose-proxies`,
exact line numbers in tracebacks, and .properties files with Unicode escapes."""

from __future__ import annotations

import textwrap


def script(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# ------------------------------------------------------------------------- line numbers (item 5)

def test_traceback_line_after_a_rewritten_filter_is_the_script_line(cli):
    """fissix turns `filter(lambda ...,` spread over lines into one comprehension; later lines must
    keep their numbers, and the traceback shows the script's own text for them."""
    source = script('''
        hosts = ["web-1", "db-1",
                 "web-2"]
        web = filter(lambda h: h.startswith("web"),
                     hosts)
        upper = map(lambda h: h.upper(),
                    web)
        print "web hosts:", len(web)
        print upper[5]
    ''')
    result = cli.script(source, name="hosts.py")
    assert result.returncode == 1
    assert result.stdout == "web hosts: 2\n"
    assert 'hosts.py", line 8, in <module>' in result.stderr
    assert "    print upper[5]\n" in result.stderr
    assert result.stderr.rstrip().endswith("IndexError: list index out of range")

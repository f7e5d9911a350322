"""The interactive shell driven through a pseudo-terminal, as a person types at it (pexpect).

Output is matched on what the user reads; the prompt is matched as `deployit>` because the terminal
renderer draws its trailing space by moving the cursor.
"""

import pexpect
import pytest

PROMPT = "deployit>"


def needs_jython():
    from deployit_cli import compat
    if compat.jython() is None:
        pytest.skip("the jython compatibility layer is not installed yet")


def started(shell, *args):
    child = shell(*args)
    child.expect("Welcome to the XL Deploy Jython CLI!")
    child.expect("Type 'help' to learn about the objects you can use to interact with XL Deploy.")
    child.expect(PROMPT)
    return child


def leave(child):
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_banner_prompt_help_and_quit(shell):
    child = started(shell)
    child.sendline("help")
    child.expect("XL Deploy Objects available on the CLI:")
    child.expect(r"\* repository: Gateway to doing CRUD operations on all types of CIs")
    child.expect(r'To get to know more about a specific method of an object, type <objectname>.help\("<methodname>"\)')
    child.expect(PROMPT)
    child.sendline("repository.help('exists')")
    child.expect(r"repository.exists\(String id\) : boolean")
    child.expect(PROMPT)
    leave(child)


def test_expressions_echo_and_multi_line_loop(shell, api):
    api.post("/repository/ci/Infrastructure/echo-host", json={"id": "Infrastructure/echo-host",
                                                               "type": "overthere.LocalHost"})
    child = started(shell)
    child.sendline("6 * 7")
    child.expect("42")
    child.expect(PROMPT)
    child.sendline("repository.read('Infrastructure/echo-host')")
    child.expect("PyInstance: Infrastructure/echo-host")
    child.expect(PROMPT)
    # the shell indents the body itself; an empty line ends the block
    child.sendline("for i in range(3):")
    child.sendline("print('line %d' % (i * 11))")
    child.sendline("")
    child.expect("line 0")
    child.expect("line 11")
    child.expect("line 22")
    child.expect(PROMPT)
    leave(child)


def test_python2_print_and_loop_at_the_prompt(shell):
    needs_jython()
    child = started(shell)
    child.sendline('print "old style %s" % "print"')
    child.expect("old style print")
    child.expect(PROMPT)
    child.sendline("for n in [1, 2]:")
    child.sendline('print "n =", n * 100')
    child.sendline("")
    child.expect("n = 100")
    child.expect("n = 200")
    child.expect(PROMPT)
    leave(child)


def test_an_error_does_not_end_the_session(shell):
    child = started(shell)
    child.sendline("repository.read('Infrastructure/no-such-ci')")
    child.expect("DeployitException: Repository entity Infrastructure/no-such-ci not found.")
    child.expect(PROMPT)
    child.sendline("1/0")
    child.expect("ZeroDivisionError: division by zero")
    child.expect(PROMPT)
    child.sendline("x = = 1")
    child.expect("SyntaxError")
    child.expect(PROMPT)
    child.sendline("print('still ' + 'here')")
    child.expect("still here")
    child.expect(PROMPT)
    leave(child)


def test_completion_of_a_ci_id(shell, api):
    api.post("/repository/ci/Infrastructure/completion-host-1",
             json={"id": "Infrastructure/completion-host-1", "type": "overthere.LocalHost"})
    child = started(shell)
    child.send("repository.read('Infrastructure/completion-h")
    child.send("\t")
    child.expect("ost-1")
    child.sendline("')")
    child.expect("PyInstance: Infrastructure/completion-host-1")
    child.expect(PROMPT)
    leave(child)


def test_completion_of_a_type_and_of_a_method(shell):
    child = started(shell)
    child.send("factory.configurationItem('Infrastructure/typed', 'overthere.SshH")
    child.send("\t")
    child.expect("ost")
    child.sendline("').type")
    child.expect("'overthere.SshHost'")
    child.expect(PROMPT)
    child.send("repository.searchBy")
    child.send("\t")
    child.expect("Name")
    child.sendline("('no-such-name')")
    child.expect(r"\[\]")
    child.expect(PROMPT)
    leave(child)


def test_ctrl_d_leaves(shell):
    child = started(shell)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_history_is_kept_across_sessions(shell, cli):
    child = started(shell)
    child.sendline("print('remembered' + '-line')")
    child.expect("remembered-line")
    child.expect(PROMPT)
    leave(child)
    assert "print('remembered' + '-line')" in (cli.home / ".deployit-cli" / "history").read_text()
    child = started(shell)
    child.send("\x1b[A")  # arrow up: `quit`
    child.expect("quit")
    child.send("\x1b[A")  # and once more: the line before it
    child.expect("remembered")
    child.send("\r")
    child.expect("remembered-line")
    child.expect(PROMPT)
    leave(child)


def test_sys_exit_at_the_prompt_sets_the_exit_status(shell):
    child = started(shell)
    child.sendline("import sys; sys.exit(4)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4


def test_username_and_password_are_asked_for(shell):
    child = shell(login=False)
    child.expect("Username: ")
    child.sendline("admin")
    child.expect("Password: ")
    child.sendline("admin")
    child.expect("Welcome to the XL Deploy Jython CLI!")
    assert "admin" not in child.before  # the password is not echoed
    child.expect(PROMPT)
    leave(child)


def test_wrong_password_typed_at_the_prompt(shell, server):
    child = shell(login=False)
    child.expect("Username: ")
    child.sendline("admin")
    child.expect("Password: ")
    child.sendline("not-the-password")
    child.expect(f"Login failed for user admin at {server.url}: the username or password is incorrect.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


def test_garbage_collection_prints_its_result_once(shell):
    child = started(shell)
    child.sendline("deployit.runGarbageCollector()")
    child.expect(r"Garbage collection freed \d+ files? \(\d+ bytes\)")
    child.expect(PROMPT)
    assert "Garbage collection freed" not in child.before
    leave(child)

"""Starting the CLI: login, credentials, banner, sys.argv, ext/ scripts, batch exit codes and messages."""

from tests.support.server import free_port

BANNER = "Welcome to the XL Deploy Jython CLI!\nType 'help' to learn about the objects you can use to interact with XL Deploy.\n"


def test_banner_then_script_output(cli):
    (cli.cwd / "hello.py").write_text("print('hello')\n")
    result = cli.run("-f", "hello.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout == BANNER + "hello\n"


def test_quiet_hides_the_banner(cli):
    result = cli.script("print('only this')\n")
    assert (result.returncode, result.stdout, result.stderr) == (0, "only this\n", "")


def test_sys_argv_is_script_and_arguments(cli):
    result = cli.script("import sys\nprint(sys.argv)\n", "a b", "-x", name="args.py")
    assert result.returncode == 2 and '"-x" is not a valid option' in result.stderr
    result = cli.script("import sys\nprint(sys.argv)\n", "a b", "--", "-x", name="args.py")
    assert result.stdout == f"[{str(cli.cwd / 'args.py')!r}, 'a b', '-x']\n"


def test_sys_argv_interactive_as_documented(cli):
    result = cli.run("-q", "-username", "admin", "--", "-some-argument", "there", "are", "six", "arguments",
                     "-one", input="import sys\nprint(sys.argv)\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['', '-some-argument', 'there', 'are', 'six', 'arguments', '-one']\n"


def test_help_option_prints_usage(cli):
    result = cli.run("-help", login=False)
    assert result.returncode == 0 and result.stdout.startswith("Usage: deployit-cli [options] [[--] arguments]")
    assert cli.run("-h", login=False).stdout == result.stdout


def test_bad_option_prints_usage_and_fails(cli):
    result = cli.run("-hots", "x", login=False)
    assert result.returncode == 2
    assert result.stderr.startswith('"-hots" is not a valid option\n\nUsage:')


def test_wrong_password_is_one_sentence_and_exit_1(cli):
    result = cli.run("-q", *cli.connection_args(password="wrong"), login=False, input="")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"Login failed for user admin at {cli.server.url}: "
                             f"the username or password is incorrect.\n")


def test_unreachable_server_names_the_url(cli):
    port = free_port()
    result = cli.run("-q", "-port", str(port), "-username", "admin", "-password", "admin", login=False)
    assert result.returncode == 1
    assert result.stderr == (f"Could not connect to the XL Deploy server at http://127.0.0.1:{port}/deployit: "
                             f"connection refused.\n")


def test_wrong_context_says_so(cli):
    result = cli.run("-q", "-context", "elsewhere", input="")
    assert result.returncode == 1
    assert result.stderr.startswith(f"Could not connect to the XL Deploy server at "
                                    f"http://127.0.0.1:{cli.server.port}/elsewhere/deployit")


def test_missing_script_file(cli):
    result = cli.run("-q", "-f", "nope.py")
    assert (result.returncode, result.stderr) == (1, "Cannot run nope.py: there is no such file.\n")


def test_credentials_from_the_configuration_folder(cli, tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "deployit.conf").write_text("cli.username=admin\ncli.password=admin\n")
    (cli.cwd / "who.py").write_text("print('logged in')\n")
    result = cli.run("-q", "-port", str(cli.server.port), "-configuration", str(conf), "-f", "who.py",
                     login=False)
    assert (result.returncode, result.stdout) == (0, "logged in\n"), result.stderr


def test_credentials_from_the_cli_home_conf(cli):
    home = cli.home / "cli-home"
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "deployit.conf").write_text("cli.username=admin\ncli.password=wrong\n")
    result = cli.run("-q", "-port", str(cli.server.port), login=False, input="",
                     env={"DEPLOYIT_CLI_HOME": home})
    assert result.returncode == 1 and "Login failed for user admin" in result.stderr
    # an option wins over the file
    result = cli.run("-q", "-port", str(cli.server.port), "-password", "admin", login=False, input="",
                     env={"DEPLOYIT_CLI_HOME": home})
    assert result.returncode == 0, result.stderr


def test_failing_script_short_traceback_and_exit_1(cli):
    source = "print('before')\n\ndef broken():\n    return repository.read('Infrastructure/does-not-exist')\n\nbroken()\n"
    result = cli.script(source, name="failing.py")
    assert result.returncode == 1
    assert result.stdout == "before\n"
    path = str(cli.cwd / "failing.py")
    assert result.stderr == (
        "Traceback (most recent call last):\n"
        f'  File "{path}", line 6, in <module>\n    broken()\n'
        f'  File "{path}", line 4, in broken\n'
        "    return repository.read('Infrastructure/does-not-exist')\n"
        "DeployitException: Repository entity Infrastructure/does-not-exist not found.\n")


def test_syntax_error_in_script(cli):
    result = cli.script("x = (1,\n", name="bad.py")
    assert result.returncode == 1
    assert "SyntaxError" in result.stderr and "bad.py" in result.stderr


def test_sys_exit_codes(cli):
    assert cli.script("import sys\nsys.exit(3)\n").returncode == 3
    assert cli.script("import sys\nprint('x')\nsys.exit(0)\nprint('not reached')\n").stdout == "x\n"
    result = cli.script("import sys\nsys.exit('giving up')\n")
    assert (result.returncode, result.stderr) == (1, "giving up\n")
    assert cli.script("quit()\n").returncode == 0


def test_output_and_errors_stay_in_order(cli):
    source = ("import sys\nfor i in range(3):\n    print('out %d' % i)\n    sys.stderr.write('err %d\\n' % i)\n"
              "raise ValueError('boom')\n")
    path = cli.cwd / "order.py"
    path.write_text(source)
    import subprocess
    from tests.cli.conftest import CLI, cli_env
    proc = subprocess.run([CLI] + cli.connection_args() + ["-q", "-f", str(path)], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, cwd=cli.cwd, env=cli_env(cli.home))
    lines = proc.stdout.splitlines()
    assert lines[:6] == ["out 0", "err 0", "out 1", "err 1", "out 2", "err 2"]
    assert lines[-1] == "ValueError: boom" and proc.returncode == 1


def test_ext_scripts_run_first_in_the_same_namespace(cli):
    ext = cli.cwd / "ext"
    ext.mkdir()
    (ext / "a_helpers.py").write_text("import sys\ndef shout(s):\n    return s.upper() + '!'\nSEEN_ARGS = list(sys.argv)\n")
    (ext / "b_more.cli").write_text("GREETING = shout('hi')\n")
    (ext / "ignored.txt").write_text("this is not python\n")
    result = cli.script("print(GREETING)\nprint(SEEN_ARGS)\n", "arg1", name="uses_ext.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"HI!\n[{str(cli.cwd / 'uses_ext.py')!r}, 'arg1']\n"


def test_ext_of_the_cli_home_and_a_broken_extension(cli):
    home = cli.home / "cli-home"
    (home / "ext").mkdir(parents=True)
    (home / "ext" / "home_ext.py").write_text("FROM_HOME = 'home'\n")
    (cli.cwd / "ext").mkdir()
    (cli.cwd / "ext" / "broken.py").write_text("raise RuntimeError('broken extension')\n")
    result = cli.script("print(FROM_HOME)\n", env={"DEPLOYIT_CLI_HOME": home})
    assert result.returncode == 0
    assert result.stdout == "home\n"
    assert "Error in extension" in result.stderr and "RuntimeError: broken extension" in result.stderr


def test_piped_statements_run_like_a_session(cli):
    stdin = ("x = 6\nx * 7\nfor i in range(2):\n    print(i)\n\nrepository.read('Infrastructure/nothing')\n"
             "print('still running')\nhelp\nquit\nprint('not reached')\n")
    result = cli.run("-q", input=stdin)
    assert result.returncode == 0
    assert result.stdout.startswith("42\n0\n1\nstill running\nXL Deploy Objects available on the CLI:\n")
    assert "not reached" not in result.stdout
    assert result.stderr == "DeployitException: Repository entity Infrastructure/nothing not found.\n"


def test_batch_mode_does_not_import_the_repl(cli):
    source = ("import sys\nheavy = [m for m in ('ptpython', 'prompt_toolkit', 'fissix', 'jedi') if m in sys.modules]\n"
              "print(heavy)\n")
    result = cli.script(source)
    assert result.stdout == "[]\n", result.stderr


def test_piped_python2_statements(cli):
    stdin = 'print "py2", 1\nfor k in {"a": 1}.keys():\n    print "key %s" % k\n\nprint `42`\n'
    result = cli.run("-q", input=stdin)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "py2 1\nkey a\n42\n"

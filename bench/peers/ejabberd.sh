#!/usr/bin/env bash
# Runs the Debian ejabberd package for the comparison bench, as the current user and in its own
# folder, apart from the system service (which stays stopped):
#
#   bench/peers/ejabberd.sh DIR SPOOL run                        # in the foreground, until SIGTERM
#   bench/peers/ejabberd.sh DIR SPOOL register PASSWORD USER...  # adds accounts, then stops
#
# DIR holds ejabberd.yml and logs/; SPOOL is the Mnesia folder. This starts the Erlang VM the way
# /usr/sbin/ejabberdctl does (same ERL_LIBS, process and port limits, `-s ejabberd`) but without
# su to the ejabberd user and without Erlang distribution: the node stays nonode@nohost, so it
# needs no epmd, node name or cookie and cannot clash with a system ejabberd. `exec` keeps the
# process id, so the caller's pid is the VM's (for taskset and /proc). SIGTERM stops the VM
# cleanly (init:stop/0), which closes the Mnesia files.
# `register` calls ejabberd_auth:try_register/3 (what `ejabberdctl register` ends in) for each user
# in one VM (ejabberdctl would start a VM per user); existing users are left alone.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: $0 DIR SPOOL run | $0 DIR SPOOL register PASSWORD USER..." >&2
  exit 2
fi
dir="$(cd "$1" && pwd)"
mkdir -p "$2" "$dir/logs"
spool="$(cd "$2" && pwd)"
mode="$3"
shift 3

# Where the Debian package puts ejabberd's code (…/ejabberd-23.01), as its ejabberdctl says.
erl_libs="$(sed -n "s/^ERL_LIBS='\(.*\)'$/\1/p" /usr/sbin/ejabberdctl)"
export ERL_LIBS="${erl_libs:-/usr/lib/x86_64-linux-gnu}"
export EJABBERD_CONFIG_PATH="$dir/ejabberd.yml"
export EJABBERD_LOG_PATH="$dir/logs/ejabberd.log"
export CONTRIB_MODULES_PATH="$dir/contrib"
export ERL_CRASH_DUMP="$dir/logs/erl_crash.dump"
export ERL_CRASH_DUMP_BYTES=0
# ejabberdctl's limits, except ports: 32,000 would cap the idle-connection workload.
export ERL_MAX_PORTS=65536
export ERL_MAX_ETS_TABLES=1400
cd "$spool"
vm=(erl -noinput -noshell +P 250000 -mnesia dir "\"$spool\"" -s ejabberd)

case "$mode" in
  run)
    exec "${vm[@]}"
    ;;
  register)
    password="$1"
    shift
    # One SCRAM record (PBKDF2 once), given to ejabberd_auth:try_register/3 for every account:
    # all accounts share the password and its salt, and thousands register in seconds.
    exec "${vm[@]}" -eval '
      [Password | Users] = init:get_plain_arguments(),
      Host = <<"localhost">>,
      Scram = ejabberd_auth:password_to_scram(Host, list_to_binary(Password)),
      Failed = lists:filter(
        fun(U) ->
          case ejabberd_auth:try_register(list_to_binary(U), Host, Scram) of
            ok -> false;
            {error, exists} -> false;
            Other -> io:format(standard_error, "cannot register ~s: ~p~n", [U, Other]), true
          end
        end, Users),
      io:format("registered or present: ~b of ~b~n", [length(Users) - length(Failed), length(Users)]),
      case Failed of [] -> init:stop(); _ -> init:stop(1) end.' -extra "$password" "$@"
    ;;
  *)
    echo "unknown mode $mode" >&2
    exit 2
    ;;
esac

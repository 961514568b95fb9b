#!/usr/bin/env bash
# A private single-node SLURM (slurmctld + slurmd) and munge on this machine, for testing the
# batch scripts in jobscripts/ under a real scheduler (see jobscripts/README.md, "A real single-node
# SLURM for tests"). Needs root and the Debian packages slurm-wlm and munge (scripts/setup.sh).
#
#   scripts/slurm_local.sh start  STATE_DIR   start (or restart) and wait until the node is idle
#   scripts/slurm_local.sh status STATE_DIR   exit 0 if both daemons answer
#   scripts/slurm_local.sh stop   STATE_DIR   stop the daemons this script started
#
# Configuration, state, spool, logs and pid files all live under STATE_DIR; nothing is written to
# /etc/slurm. munge has no such option: it uses /etc/munge/munge.key (created only if missing)
# and /run/munge. A munged that is already running is used and left alone; one started here is
# stopped again by `stop`. Clients find this cluster through SLURM_CONF=STATE_DIR/slurm.conf.
# Exit status 77: slurm or munge is not installed (tests treat that as skipped).
# Ports: SLURM_LOCAL_CTLD_PORT (default 6817) and SLURM_LOCAL_SLURMD_PORT (default 6818).
set -euo pipefail

usage() {
    echo "usage: $0 start|stop|status STATE_DIR" >&2
    exit 2
}
[ $# = 2 ] || usage
action=$1
state_dir=$2
case $action in start | stop | status) ;; *) usage ;; esac

log() { echo "slurm_local: $*"; }
die() {
    echo "slurm_local: ERROR: $*" >&2
    exit 1
}

mkdir -p "$state_dir"
state_dir=$(cd "$state_dir" && pwd)
conf=$state_dir/slurm.conf
node=$(hostname -s)
ctld_port=${SLURM_LOCAL_CTLD_PORT:-6817}
slurmd_port=${SLURM_LOCAL_SLURMD_PORT:-6818}
export SLURM_CONF=$conf

# --- process helpers -------------------------------------------------------------------------
# A daemon killed here is reparented to PID 1, which on this kind of VM does not always reap it:
# it then lingers as a zombie with the same name. So liveness is "the pid from our pid file
# exists, is not a zombie and still runs the expected program", never a lookup by name.
alive() {  # alive PID COMM
    local pid=$1 comm=$2 stat
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    # Field 3 of /proc/PID/stat is the state; the command name before it may contain spaces.
    stat=${stat##*) }
    [[ "${stat%% *}" != [ZX] ]] || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$comm" ]]
}

pid_from() {  # pid_from FILE: the pid in FILE, or nothing
    if [ -f "$1" ]; then tr -dc '0-9' < "$1"; fi
}

wait_gone() {  # wait_gone PID COMM SECONDS: 0 once the process is gone (or a zombie)
    local pid=$1 comm=$2 tenths=$(($3 * 10))
    while alive "$pid" "$comm"; do
        ((tenths-- > 0)) || return 1
        sleep 0.1
    done
}

stop_daemon() {  # stop_daemon COMM PIDFILE
    local comm=$1 pidfile=$2 pid
    pid=$(pid_from "$pidfile")
    if [ -z "$pid" ] || ! alive "$pid" "$comm"; then
        rm -f "$pidfile"
        return 0
    fi
    log "stopping $comm (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$comm" 15; then
        log "$comm (pid $pid) ignored SIGTERM for 15 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" "$comm" 5 || die "$comm (pid $pid) is still running after SIGKILL"
    fi
    rm -f "$pidfile"
}

ping_ok() { timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; }

node_state() { timeout 5 sinfo -h -N -n "$node" -o %T 2>/dev/null | head -n 1 || true; }

# Something (another cluster, an earlier instance this script no longer knows of) listening on
# PORT would answer our clients instead of our daemons.
port_in_use() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2> /dev/null; }

munge_ok() { timeout 5 munge -n 2>/dev/null | timeout 5 unmunge > /dev/null 2>&1; }

show_logs() {
    local f
    for f in "$state_dir"/log/*.log; do
        [ -f "$f" ] || continue
        echo "----- last lines of $f" >&2
        tail -n 20 "$f" >&2
    done
}

# --- munge -----------------------------------------------------------------------------------
start_munge() {
    if munge_ok; then
        log "munged already running; using it"
        return 0
    fi
    if [ ! -s /etc/munge/munge.key ]; then
        log "creating /etc/munge/munge.key"
        mkdir -p /etc/munge
        mungekey --create --keyfile=/etc/munge/munge.key
        chown munge:munge /etc/munge/munge.key
        chmod 600 /etc/munge/munge.key
    fi
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/log/munge
    install -d -o munge -g munge -m 0711 /var/lib/munge
    # A munged killed earlier leaves its socket behind; --force starts over it.
    timeout 10 runuser -u munge -- /usr/sbin/munged --force \
        < /dev/null >> "$state_dir/log/munged.out" 2>&1 ||
        die "munged did not start (see $state_dir/log/munged.out and /var/log/munge/munged.log)"
    local tenths=100
    until munge_ok; do
        ((tenths-- > 0)) || die "munged started but 'munge -n | unmunge' still fails after 10 s"
        sleep 0.1
    done
    # Remember that this script started it, so that `stop` stops it and nothing else.
    pid_from /run/munge/munged.pid > "$state_dir/munged.pid"
    log "munged started (pid $(cat "$state_dir/munged.pid"))"
}

# --- slurm.conf ------------------------------------------------------------------------------
write_conf() {
    local memory
    # About 90% of what slurmd detects, so that the node is not drained for "low memory".
    memory=$(timeout 10 slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    [ -n "$memory" ] || die "could not read RealMemory from 'slurmd -C'"
    memory=$((memory * 9 / 10))
    : > "$state_dir/plugstack.conf"
    cat > "$conf" << EOF
# Written by scripts/slurm_local.sh: a private single-node cluster for tests.
ClusterName=infomorph-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state_dir/state
SlurmdSpoolDir=$state_dir/spool
SlurmctldPidFile=$state_dir/slurmctld.pid
SlurmdPidFile=$state_dir/slurmd.pid
SlurmctldLogFile=$state_dir/log/slurmctld.log
SlurmdLogFile=$state_dir/log/slurmd.log
PlugStackConfig=$state_dir/plugstack.conf
# No systemd and no cgroups on this kind of VM: track processes through /proc, bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=pmix
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MailProg=/bin/true
# Schedule at once (about 1 s per job instead of 3).
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
# Impossible requests fail at submission instead of pending for ever.
EnforcePartLimits=ALL
# One failing task ends the step, so a rank that dies cannot leave the others waiting.
KillOnBadExit=1
# The node may advertise more CPUs than it has (CPUs=8 on 2 cores).
SlurmdParameters=config_overrides
ReturnToService=2
SlurmdTimeout=30
NodeName=$node NodeAddr=127.0.0.1 CPUs=8 RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

# --- actions ---------------------------------------------------------------------------------
check_installed() {
    local missing=() program
    for program in slurmctld slurmd sbatch srun scontrol sinfo munge unmunge munged mungekey; do
        command -v "$program" > /dev/null || missing+=("$program")
    done
    if ((${#missing[@]} > 0)); then
        echo "slurm_local: not installed: ${missing[*]} (apt-get install slurm-wlm munge," \
            "or scripts/setup.sh)" >&2
        exit 77
    fi
}

stop_all() {
    local ctld_pid job
    ctld_pid=$(pid_from "$state_dir/slurmctld.pid")
    # Cancel what is left (only jobs of this private cluster), so slurmd has no steps to wait for.
    if [ -n "$ctld_pid" ] && alive "$ctld_pid" slurmctld && [ -f "$conf" ]; then
        for job in $(timeout 5 squeue -h -o %i 2>/dev/null || true); do
            log "cancelling job $job"
            timeout 5 scancel "$job" 2>/dev/null || true
        done
    fi
    stop_daemon slurmd "$state_dir/slurmd.pid"
    stop_daemon slurmctld "$state_dir/slurmctld.pid"
    if [ -f "$state_dir/munged.pid" ]; then
        stop_daemon munged "$state_dir/munged.pid"
    fi
}

start_all() {
    check_installed
    ((EUID == 0)) || die "needs root (SlurmUser=root, and munged is started as user munge)"
    # Whatever an earlier, interrupted run of this script left behind is stopped first; daemons
    # of other clusters or other state directories are not touched.
    stop_all
    local port
    for port in "$ctld_port" "$slurmd_port"; do
        if port_in_use "$port"; then
            die "port $port is in use (another slurmctld/slurmd? stop it, or choose other ports" \
                "with SLURM_LOCAL_CTLD_PORT and SLURM_LOCAL_SLURMD_PORT)"
        fi
    done
    # From here on, a failed start stops whatever it started.
    trap 'if [ $? != 0 ]; then echo "slurm_local: start failed; stopping what it started" >&2;
          stop_all || true; fi' EXIT
    rm -rf "$state_dir/state" "$state_dir/spool" "$state_dir/log"
    mkdir -p "$state_dir/state" "$state_dir/spool" "$state_dir/log"
    start_munge
    write_conf

    # -c: clean start; stale jobs of an earlier instance would otherwise block the node.
    # stdin/stdout/stderr away from the caller's pipes: a daemon holding them would make a
    # caller that waits for end of output (CTest, $(...)) wait for ever.
    timeout 20 slurmctld -c < /dev/null >> "$state_dir/log/slurmctld.out" 2>&1 ||
        { show_logs; die "slurmctld failed to start (see $state_dir/log)"; }
    timeout 20 slurmd -N "$node" < /dev/null >> "$state_dir/log/slurmd.out" 2>&1 ||
        { show_logs; die "slurmd failed to start (see $state_dir/log)"; }

    local tenths=300 state=""
    until ping_ok; do
        ((tenths-- > 0)) || { show_logs; die "slurmctld does not answer 'scontrol ping' after 30 s"; }
        sleep 0.1
    done
    tenths=300
    while :; do
        state=$(node_state)
        case $state in
        idle) break ;;
        *drain* | down*)
            # Once a second: the controller needs a moment to register the node's answer.
            if ((tenths % 10 == 0)); then
                log "node $node is $state; resuming it"
                timeout 5 scontrol update NodeName="$node" State=RESUME || true
            fi
            ;;
        esac
        ((tenths-- > 0)) ||
            { show_logs; die "node $node is '${state:-unknown}', not idle, after 30 s"; }
        sleep 0.1
    done
    for daemon in slurmctld slurmd; do
        alive "$(pid_from "$state_dir/$daemon.pid")" "$daemon" ||
            { show_logs; die "$daemon is not running from $state_dir/$daemon.pid"; }
    done
    trap - EXIT
    log "slurmctld (pid $(pid_from "$state_dir/slurmctld.pid")) and slurmd" \
        "(pid $(pid_from "$state_dir/slurmd.pid")) up; node $node idle"
    echo "export SLURM_CONF=$conf"
}

case $action in
start) start_all ;;
stop)
    stop_all
    log "stopped"
    ;;
status)
    [ -f "$conf" ] || die "no cluster in $state_dir (no slurm.conf)"
    status=0
    for daemon in slurmctld slurmd; do
        pid=$(pid_from "$state_dir/$daemon.pid")
        if alive "$pid" "$daemon"; then
            log "$daemon running (pid $pid)"
        else
            log "$daemon not running"
            status=1
        fi
    done
    if ping_ok; then log "controller answers; node $node is $(node_state)"; else status=1; fi
    exit $status
    ;;
esac

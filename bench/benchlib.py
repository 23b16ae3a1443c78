"""What the benchmark scripts share: a process's CPU time and memory from
/proc, the local TCP sink (bench/tcp_sink), and the councils of many tcp
targets a generated configuration lists. Linux only, 127.0.0.1 only."""

import os
import signal
import subprocess


def cpu_seconds(pid, tid=None):
    """User and system CPU seconds of process `pid` (or of its thread `tid`)."""
    path = "/proc/%d/stat" % pid if tid is None else "/proc/%d/task/%d/stat" % (pid, tid)
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_kib(pid, key="VmRSS"):
    """A KiB figure of /proc/PID/status: VmRSS (resident now), VmHWM (its peak)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def load_average():
    """The machine's 1-minute load average: a loaded machine moves every figure."""
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def start_sink(sink_bin, ports):
    """bench/tcp_sink listening on `ports` (0: any free one); (process, the ports)."""
    proc = subprocess.Popen([sink_bin] + [str(p) for p in ports], stdout=subprocess.PIPE,
                            text=True)
    got = []
    for line in proc.stdout:
        if line.strip() == "ready":
            break
        got.append(int(line))
    return proc, got


def stop(proc):
    """SIGTERM, and waits for it to end."""
    proc.send_signal(signal.SIGTERM)
    proc.wait()


def write_councils(f, n, ports, councils=22):
    """The `councils:` section of n tcp targets t000000, t000001, ... spread
    over `councils` councils, each checking one of `ports` on 127.0.0.1."""
    f.write("councils:\n")
    per = (n + councils - 1) // councils
    i = 0
    for c in range(councils):
        f.write("  - id: council-%02d\n    targets:\n" % c)
        for _ in range(per):
            if i >= n:
                break
            f.write("      - {id: t%06d, check: tcp, host: 127.0.0.1, port: %d}\n"
                    % (i, ports[i % len(ports)]))
            i += 1

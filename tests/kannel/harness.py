"""A real Kannel for tests: bearerbox + smsbox with two `fake` SMSCs, and fakesmsc clients on them.

    "out" SMSC  <- fakesmsc (long-running) prints every SMS Kannel sends: what the citizen's phone gets
    "in"  SMSC  <- fakesmsc -m 1 "<from> <to> text <words>" injects one SMS from a citizen

A fake SMSC serves one client per port, hence two. The out client must send one message to connect
at all; it sends "kannelprobe", which the `kannelprobe` sms-service swallows (max-messages = 0).
"""

import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
PROBE = "kannelprobe 0 text kannelprobe"
_GOT = re.compile(r"Got message \d+: <(.*)>\s*$")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def kannel_missing_reason() -> str | None:
    """Why the real gateway cannot run here, or None when it can."""
    for program in ("bearerbox", "smsbox"):
        if shutil.which(program) is None and not Path(f"/usr/sbin/{program}").exists():
            return f"{program} is not installed (apt-get install kannel kannel-extras)"
    if not Path(FAKESMSC).exists():
        return f"{FAKESMSC} is not installed (apt-get install kannel-extras)"
    return None


@dataclass(frozen=True)
class ReceivedSms:
    """One SMS as the out fakesmsc printed it, parts of a concatenated SMS joined."""

    sender: str
    receiver: str
    text: str


def _decode(data: bytes) -> str:
    # The fake SMSC prints the message data, not its coding: UCS-2 data is UTF-16BE, which always
    # has control bytes (0x00, 0x0F for Tibetan); 7-bit and 8-bit text arrives as UTF-8/Latin text.
    if len(data) % 2 == 0 and any(b < 0x20 and b not in (0x0A, 0x0D) for b in data):
        return data.decode("utf-16-be", "replace")
    return data.decode("utf-8", "replace")


def _unquote(value: str) -> bytes:
    # Kannel's octstr_url_encode writes a space as "+" and a plus as "%2B".
    return urllib.parse.unquote_to_bytes(value.replace("+", " "))


def parse_fakesmsc_lines(lines: list[str]) -> list[ReceivedSms]:
    """SMS from fakesmsc's log lines; concatenated parts (UDH 00 03 ref total seq) are joined."""
    result: list[ReceivedSms] = []
    parts: dict[tuple[str, str, int], dict[int, bytes]] = {}
    for line in lines:
        match = _GOT.search(line)
        if not match:
            continue
        sender, receiver, kind, rest = [*match[1].split(" ", 3), "", "", "", ""][:4]
        if kind == "text":
            result.append(ReceivedSms(sender, receiver, rest))
        elif kind == "data":
            result.append(ReceivedSms(sender, receiver, _decode(_unquote(rest))))
        elif kind == "udh":
            udh_raw, _sep, data_raw = rest.partition(" ")
            data_raw = data_raw.removeprefix("data ")  # 1.4.5 prints "udh <udh> data <data>"
            udh, data = _unquote(udh_raw), _unquote(data_raw)
            if len(udh) >= 6 and udh[1] == 0x00:
                # udh = [UDHL, IEI=0 (concatenation, 8-bit reference), IEDL=3, ref, total, seq]
                ref, total, seq = udh[3], udh[4], udh[5]
                key = (sender, receiver, ref)
                parts.setdefault(key, {})[seq] = data
                if len(parts[key]) == total:
                    received = parts.pop(key)
                    joined = b"".join(received[i] for i in range(1, total + 1))
                    result.append(ReceivedSms(sender, receiver, _decode(joined)))
            else:
                result.append(ReceivedSms(sender, receiver, _decode(data)))
    return result


@dataclass
class Kannel:
    """A running bearerbox + smsbox + out fakesmsc, in `workdir`; stop() ends all it started."""

    workdir: Path
    get_url: str
    username: str = "ekaasel"
    password: str = "kannel-test-password"
    admin_port: int = field(default_factory=free_port)
    smsbox_port: int = field(default_factory=free_port)
    out_port: int = field(default_factory=free_port)
    in_port: int = field(default_factory=free_port)
    sendsms_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    @property
    def fakesmsc_log(self) -> Path:
        return self.workdir / "fakesmsc-out.log"

    def config(self) -> str:
        work = self.workdir
        return f"""
group = core
admin-port = {self.admin_port}
admin-password = test-admin
admin-allow-ip = "127.0.0.1"
smsbox-port = {self.smsbox_port}
box-allow-ip = "127.0.0.1"
log-file = "{work}/bearerbox.log"
log-level = 1
access-log = "{work}/access.log"
store-type = file
store-location = "{work}/kannel.store"
dlr-storage = internal
sms-resend-freq = 1
sms-resend-retry = -1

group = smsc
smsc = fake
smsc-id = out
allowed-smsc-id = out
port = {self.out_port}
connect-allow-ip = "127.0.0.1"

group = smsc
smsc = fake
smsc-id = in
allowed-smsc-id = in
port = {self.in_port}
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {self.smsbox_port}
sendsms-port = {self.sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{work}/smsbox.log"
log-level = 1
mo-recode = true

group = sendsms-user
username = {self.username}
password = {self.password}
forced-smsc = out
concatenation = true
max-messages = 10
user-allow-ip = "127.0.0.1"

group = sms-service
keyword = kannelprobe
text = "-"
max-messages = 0

group = sms-service
keyword = default
get-url = "{self.get_url}"
omit-empty = true
max-messages = 0
"""

    def _spawn(self, name: str, args: list[str], *, log: Path | None = None) -> subprocess.Popen[bytes]:
        output = open(log or self.workdir / f"{name}.out", "ab")  # noqa: SIM115 - lives as long as the process
        process = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT, cwd=self.workdir)
        self.processes[name] = process
        return process

    def start(self) -> None:
        conf = self.workdir / "kannel.conf"
        conf.write_text(self.config())
        self._spawn("bearerbox", ["bearerbox", str(conf)])
        wait_for_port(self.admin_port)
        wait_for_port(self.smsbox_port)
        self.start_smsbox()
        self.start_fakesmsc()

    def start_smsbox(self) -> None:
        """Start smsbox (our sendsms endpoint) and wait until it takes requests."""
        self._spawn("smsbox", ["smsbox", str(self.workdir / "kannel.conf")])
        wait_for_port(self.sendsms_port)

    def stop_smsbox(self) -> None:
        """Stop smsbox: sendsms requests are refused until start_smsbox(); bearerbox keeps running."""
        self._stop("smsbox")

    def start_fakesmsc(self) -> None:
        """Connect the phone side of the out SMSC; everything Kannel sends shows in fakesmsc_log.

        Never probe the fake SMSC's port by connecting to it: bearerbox takes any connection there for
        the phone side, hands it the messages it holds, and they are gone with the probe's socket (the
        fake protocol has no acknowledgements). Its status page says when the SMSC listens.
        """
        self.wait_smsc_listed("out")
        self._spawn(
            "fakesmsc-out",
            [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.out_port), "-i", "0.01", "-m", "1", PROBE],
            log=self.fakesmsc_log,
        )
        self.wait_smsc("out", online=True)

    def stop_fakesmsc(self) -> None:
        """Take the phone side away and wait until bearerbox has noticed.

        Until then the fake SMSC would write further messages into the dead socket, and the fake
        protocol has no acknowledgements to notice the loss (SMPP has: submit_sm_resp).
        """
        self._stop("fakesmsc-out")
        self.wait_smsc("out", online=False)

    def smsc_state(self, smsc_id: str) -> str:
        """The state bearerbox's status page gives an SMSC: "online", "connecting", "re-connecting", …"""
        url = f"http://127.0.0.1:{self.admin_port}/status.txt?password=test-admin"
        with urllib.request.urlopen(url, timeout=5) as response:
            status = response.read().decode("utf-8", "replace")
        match = re.search(rf"^\s*{re.escape(smsc_id)}\[{re.escape(smsc_id)}\]\s+\S+\s+\((\S+)", status, re.M)
        return match[1].rstrip(",") if match else ""

    def wait_smsc_listed(self, smsc_id: str, timeout: float = 15.0) -> None:
        """Wait until bearerbox lists the SMSC (its listening socket is open), without connecting to it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.smsc_state(smsc_id):
                return
            time.sleep(0.05)
        raise TimeoutError(f"bearerbox does not list SMSC {smsc_id}")

    def wait_smsc(self, smsc_id: str, *, online: bool, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (self.smsc_state(smsc_id) == "online") == online:
                return
            time.sleep(0.05)
        raise TimeoutError(f"SMSC {smsc_id} did not become {'online' if online else 'offline'}")

    def inject(self, sender: str, text: str, *, receiver: str = "1234", timeout: float = 10.0) -> None:
        """A citizen's SMS arrives at the in SMSC (a fresh fakesmsc client sends it, then is stopped)."""
        log = self.workdir / "fakesmsc-in.log"
        start = log.stat().st_size if log.exists() else 0
        self._spawn("fakesmsc-in", [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.in_port), "-m", "1",
                                    f"{sender} {receiver} text {text}"], log=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "sent message 1" in log.read_bytes()[start:].decode("utf-8", "replace"):
                break
            time.sleep(0.05)
        else:
            raise TimeoutError("fakesmsc did not send the inbound SMS")
        time.sleep(0.2)  # let bearerbox read it before the client goes away
        self._stop("fakesmsc-in")

    def received(self) -> list[ReceivedSms]:
        """Every SMS that reached the phone side so far."""
        if not self.fakesmsc_log.exists():
            return []
        return parse_fakesmsc_lines(self.fakesmsc_log.read_text("utf-8", "replace").splitlines())

    def wait_received(self, count: int, *, timeout: float = 20.0) -> list[ReceivedSms]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self.received()
            if len(received) >= count:
                return received
            time.sleep(0.05)
        return self.received()

    def _stop(self, name: str, timeout: float = 10.0) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def stop(self) -> None:
        """Stop every process this harness started, phone side first, bearerbox last."""
        for name in ("fakesmsc-in", "fakesmsc-out", "smsbox", "bearerbox"):
            self._stop(name)

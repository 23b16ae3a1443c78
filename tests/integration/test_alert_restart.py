"""Alerting across a kill -9: in the middle of an outage already told, with
the notification owed but not yet sent, and in the middle of a delivery.
Nothing is told twice (except the delivery cut short, once more, under the
same idempotency key) and nothing owed is lost."""

from gwtest import (ExecReceiver, main, os, read_events, SimulatorTestCase, wait_until)

SCENARIO = """
listeners:
  control: {type: control}
  www: {type: tcp}
"""


def config(data, rx, port, group_wait="1s"):
    return """daemon: {data_dir: %s, listen: "", storage: none}
notifiers:
  - {id: ops, type: exec, command: [%s], group_wait: %s, timeout: 60s}
councils:
  - id: gwynedd
    name: Gwynedd Council
    targets:
      - {id: website, check: tcp, host: 127.0.0.1, port: %d, interval: 1s, timeout: 500ms,
         failure_threshold: 2, success_threshold: 2, notify: [ops]}
""" % (data, rx.program, group_wait, port)


class RestartTest(SimulatorTestCase):
    scenario = SCENARIO
    reset = ("www",)

    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.tmp, "data")
        self.rx = ExecReceiver(self.tmp)

    def tearDown(self):
        self.rx.kill_hung()
        super().tearDown()

    def start(self, group_wait="1s"):
        return self.daemon(config(self.data, self.rx, self.sim.ports["www"], group_wait))

    def kill9(self, d):
        d.proc.kill()
        d.proc.wait()

    def finish(self, d):
        """Recovers the target, waits for its UP, stops the daemon."""
        self.sim.control("DELETE", "www")
        self.rx.wait(target="gwynedd/website", state="up")
        wait_until(lambda: [e for e in read_events(self.data) if e["kind"] == "delivery" and
                            e["outcome"] == "sent" and len(e["events"]) == 1 and
                            e["events"][0] == self.rx.events(state="up")[0]["event_id"]],
                   10, what="the UP delivered")
        code, _ = d.stop()
        self.assertEqual(code, 0, d.output()[-3000:])

    def downs_in_log(self):
        return [e for e in read_events(self.data) if e["kind"] == "state" and e["to"] == "down"]

    def test_kill9_during_an_outage_already_told(self):
        d = self.start()
        d.wait_log(r"gwynedd/website \(tcp\): UP")
        self.sim.control("POST", "www", {"behaviour": "closed"})
        self.rx.wait(target="gwynedd/website", state="down")
        wait_until(lambda: any(e["kind"] == "delivery" for e in read_events(self.data)), 10,
                   what="the delivery line")
        self.kill9(d)
        d2 = self.start()
        # the first result of the new run, in the state kept from the last
        d2.wait_log(r"gwynedd/website \(tcp\): DOWN, as before the restart")
        self.finish(d2)
        self.assertEqual([e["state"] for e in self.rx.events(target="gwynedd/website")],
                         ["down", "up"])
        self.assertEqual(len(self.downs_in_log()), 1)

    def test_kill9_with_the_notification_owed_but_not_sent(self):
        # group_wait 8 s: the DOWN line is on disk, its message not yet formed
        d = self.start(group_wait="8s")
        d.wait_log(r"gwynedd/website \(tcp\): UP")
        self.sim.control("POST", "www", {"behaviour": "closed"})
        wait_until(lambda: self.downs_in_log(), 15, what="the DOWN line")
        self.assertEqual(self.rx.received(), [])
        self.kill9(d)
        d2 = self.start(group_wait="8s")
        down = self.rx.wait(target="gwynedd/website", state="down", timeout=30)[0]
        self.assertEqual(down["event_id"], self.downs_in_log()[0]["id"])
        self.finish(d2)
        self.assertEqual([e["state"] for e in self.rx.events(target="gwynedd/website")],
                         ["down", "up"])
        self.assertEqual(len(self.downs_in_log()), 1)

    def test_kill9_in_the_middle_of_a_delivery(self):
        self.rx.set_mode("hang")
        d = self.start()
        d.wait_log(r"gwynedd/website \(tcp\): UP")
        self.sim.control("POST", "www", {"behaviour": "closed"})
        first = self.rx.wait(target="gwynedd/website", state="down")[0]
        key = self.rx.received()[0]["input"]["idempotency_key"]
        self.kill9(d)
        self.rx.kill_hung()
        self.rx.set_mode("ok")
        d2 = self.start()
        again = self.rx.wait(count=2, target="gwynedd/website", state="down", timeout=30)
        # once more, under the same keys: a receiver can drop the repeat
        self.assertEqual(again[1]["event_id"], first["event_id"])
        self.assertEqual(self.rx.received()[1]["input"]["idempotency_key"], key)
        self.finish(d2)
        self.assertEqual([e["state"] for e in self.rx.events(target="gwynedd/website")],
                         ["down", "down", "up"])
        self.assertEqual(len(self.downs_in_log()), 1)
        sent = [e for e in read_events(self.data)
                if e["kind"] == "delivery" and e["notification"] == key]
        self.assertEqual([e["outcome"] for e in sent], ["sent"])


if __name__ == "__main__":
    main()

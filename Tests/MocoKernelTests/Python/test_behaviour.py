"""The moco kernel under bad messages, script errors, interrupts and shutdown (JUPYTER_PATH names the kernelspec)."""
import os
import subprocess
import tempfile
import time
import unittest

import jupyter_client
import zmq


def run(kc, code, timeout=120):
    """Executes `code`; the reply's content and the outputs (stream text, results, errors) it produced."""
    outputs = []
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=outputs.append)
    return reply["content"], outputs


def stdout(outputs):
    return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")


class Behaviour(unittest.TestCase):
    def setUp(self):
        self.log = tempfile.TemporaryFile()
        self.km = jupyter_client.KernelManager(kernel_name="moco")
        self.km.start_kernel(stderr=self.log)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def tearDown(self):
        self.kc.stop_channels()
        if self.km.is_alive():
            self.km.shutdown_kernel(now=True)
        self.log.close()

    def logged(self):
        self.log.seek(0)
        return self.log.read().decode()

    def test_bad_messages_are_refused_and_logged(self):
        info = self.km.get_connection_info()
        socket = zmq.Context.instance().socket(zmq.DEALER)
        self.addCleanup(socket.close, linger=0)
        socket.connect(f"tcp://{info['ip']}:{info['shell_port']}")
        session = jupyter_client.session.Session(key=info["key"])
        header = session.pack(session.msg_header("kernel_info_request"))
        good = [b"<IDS|MSG>", b"", header, b"{}", b"{}", b"{}"]
        good[1] = session.sign(good[2:])
        wrong_signature = list(good)
        wrong_signature[1] = b"0" * 64
        malformed = [b"<IDS|MSG>", b"", b"{not json", b"{}", b"{}", b"{}"]
        malformed[1] = session.sign(malformed[2:])
        unknown_header = session.pack(session.msg_header("no_such_request"))
        unknown = [b"<IDS|MSG>", b"", unknown_header, b"{}", b"{}", b"{}"]
        unknown[1] = session.sign(unknown[2:])
        for parts in [wrong_signature, malformed, unknown, [b"no delimiter"]]:
            socket.send_multipart(parts)
        socket.send_multipart(good)
        self.assertTrue(socket.poll(10000), "the kernel answers a good message after the bad ones")
        reply = socket.recv_multipart()
        self.assertIn(b"kernel_info_reply", reply[reply.index(b"<IDS|MSG>") + 2])
        log = self.logged()
        self.assertIn("the signature does not match", log)
        self.assertIn("the header is not a JSON object", log)
        self.assertIn("unknown type no_such_request", log)
        self.assertIn("no <IDS|MSG> delimiter", log)

    def test_an_error_keeps_the_session(self):
        content, _ = run(self.kc, "let kept = 41")
        self.assertEqual(content["status"], "ok")
        content, outputs = run(self.kc, "let broken = [1][5]")
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "RuntimeError")
        self.assertTrue(any("^" in line for line in content["traceback"]), "the error shows a caret")
        self.assertTrue(content["traceback"][0].startswith("In["), content["traceback"])
        content, outputs = run(self.kc, "print(kept + 1)")
        self.assertEqual(stdout(outputs), "42\n")

    def start_long_training(self):
        """Starts 500 epochs in the background of the kernel; the execute request's id."""
        run(self.kc, 'seed 0\nlet data = dataset("digits")\n'
                     'let model = moco(encoder: convnet([16, 32]), dim: 16, queue: 256, splits: 4)')
        msg_id = self.kc.execute('let run = train(model, data.train, views: preset("digits"), epochs: 500, '
                                 'batch: 64, quiet: true)')
        time.sleep(3)
        return msg_id

    def test_interrupt_stops_training_and_it_resumes(self):
        msg_id = self.start_long_training()
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=60)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "ok", "an interrupted run is a run, stopped at a step")
        content, outputs = run(self.kc, "print(run.interrupted, run.epoch < 500)")
        self.assertEqual(stdout(outputs), "true true\n")
        content, outputs = run(self.kc, "run.resume(epochs: 1, quiet: true)\nprint(run.interrupted)")
        self.assertEqual(content["status"], "ok", content)
        self.assertEqual(stdout(outputs), "false\n")

    def test_interrupt_request_on_the_control_channel(self):
        msg_id = self.start_long_training()
        self.kc.control_channel.send(self.kc.session.msg("interrupt_request", {}))
        answer = self.kc.control_channel.get_msg(timeout=30)
        self.assertEqual(answer["msg_type"], "interrupt_reply")
        reply = self.kc.get_shell_msg(timeout=60)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        content, outputs = run(self.kc, "print(run.interrupted, run.epoch < 500)")
        self.assertEqual(stdout(outputs), "true true\n")

    def test_training_shows_a_status_updated_in_place(self):
        content, outputs = run(self.kc, 'seed 0\nlet data = dataset("digits")\n'
                                        'let model = moco(encoder: convnet([8]), dim: 8, queue: 128, splits: 4)\n'
                                        'let run = train(model, data.train, views: preset("digits"), epochs: 2, '
                                        'batch: 64)')
        self.assertEqual(content["status"], "ok", content)
        shown = [m for m in outputs if m["msg_type"] == "display_data" and "display_id" in m["content"]["transient"]]
        self.assertEqual(len(shown), 1, "one status display per cell")
        display_id = shown[0]["content"]["transient"]["display_id"]
        updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
        self.assertTrue(updates and all(m["content"]["transient"]["display_id"] == display_id for m in updates))
        self.assertIn("epoch 2/2  step", updates[-1]["content"]["data"]["text/plain"])
        stderr = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream"
                         and m["content"]["name"] == "stderr")
        self.assertEqual(stderr.count("epoch "), 2, "a line per epoch on stderr")

    def test_shutdown_and_restart(self):
        run(self.kc, "let x = 1")
        self.km.restart_kernel()
        self.kc.wait_for_ready(timeout=60)
        content, _ = run(self.kc, "x")
        self.assertEqual(content["status"], "error", "a restarted kernel starts a new session")
        self.kc.shutdown()
        for _ in range(100):
            if not self.km.is_alive():
                break
            time.sleep(0.1)
        self.assertFalse(self.km.is_alive(), "the kernel exits on shutdown_request")

    def test_a_cell_asking_for_other_arithmetic_is_refused_and_the_portable_kernel_runs_it(self):
        native = os.environ.get("MOCO_ARITHMETIC") != "portable"
        cell = "#| arithmetic: portable\nprint(1 + 1)"
        content, outputs = run(self.kc, cell if native else "#| arithmetic: native\nprint(1 + 1)")
        self.assertEqual(content["status"], "error")
        self.assertIn("arithmetic", content["evalue"])
        self.assertEqual(stdout(outputs), "", "the refused cell ran nothing")
        if not native:
            return
        self.assertIn("moco kernel install --portable", content["evalue"])
        # The portable kernelspec beside the one this test runs, and a kernel started from it.
        moco = jupyter_client.kernelspec.get_kernel_spec("moco").argv[0]
        prefix = os.path.dirname(os.path.dirname(os.environ["JUPYTER_PATH"]))
        subprocess.run([moco, "kernel", "install", "--portable", "--prefix", prefix], check=True,
                       stdout=subprocess.DEVNULL)
        km = jupyter_client.KernelManager(kernel_name="moco-portable")
        km.start_kernel(stderr=self.log)
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            content, outputs = run(kc, cell)
            self.assertEqual(content["status"], "ok", content)
            self.assertEqual(stdout(outputs), "2\n")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


if __name__ == "__main__":
    unittest.main()

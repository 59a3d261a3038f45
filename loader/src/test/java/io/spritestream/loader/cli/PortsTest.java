package io.spritestream.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.cli.CliRun;
import io.spritestream.loader.testing.LoaderProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ports of the brokers spritestream starts can be chosen (a firewall, a second stack on the machine). */
class PortsTest {

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void theBrokerCommandListensOnTheControllerPortAskedFor(@TempDir Path dir) throws Exception {
        int port = freePort();
        int controller = freePort();
        Path log = dir.resolve("broker.log");
        Process broker = LoaderProcess.start(log, "broker", "--port", String.valueOf(port), "--controller-port",
                String.valueOf(controller), "--data", dir.resolve("data").toString());
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.readString(log).contains("listening on 127.0.0.1:" + port)) {
                assertTrue(broker.isAlive(), Files.readString(log));
                assertTrue(System.nanoTime() < deadline, "not listening after 120 s: " + Files.readString(log));
                broker.waitFor(100, TimeUnit.MILLISECONDS); // polling a file another process writes
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", controller), 5_000); // refused if it listened elsewhere
            }
        } finally {
            broker.destroy();
            broker.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void theDemosBrokerTakesThePortsAskedForAndOneForBothIsRefused(@TempDir Path dir) throws Exception {
        int port = freePort();
        CliRun demo = CliRun.run(new LoaderMain(), "demo", "--sprites", "300", "--classes", "3", "--epochs", "1",
                "--train-steps", "2", "--port", String.valueOf(port), "--controller-port", String.valueOf(freePort()),
                "--preview", dir.resolve("demo.png").toString());
        assertEquals(0, demo.exit(), demo.err());
        assertTrue(demo.out().contains("broker at 127.0.0.1:" + port + " "), demo.out());

        CliRun same = CliRun.run(new LoaderMain(), "demo", "--port", String.valueOf(port), "--controller-port",
                String.valueOf(port));
        assertEquals(2, same.exit(), same.toString());
        assertTrue(same.err().startsWith("error: --controller-port: " + port + " (expected another port than --port)"),
                same.err());
    }
}

package io.spritestream.loader.cli;

/** Process-wide settings made before any engine loads. */
final class Runtimes {

    private Runtimes() {}

    /**
     * DJL runs offline: its native library comes from the PyTorch jars on the class path; without
     * this, engine start probes the network with timeouts.
     */
    static void configure() {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }
}

package io.spritestream.cli;

import picocli.CommandLine.IVersionProvider;

/** The version printed by {@code --version}: the jar's implementation version. */
public final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Version.class.getPackage().getImplementationVersion();
        return new String[] {"spritestream " + (v == null ? "dev" : v)};
    }
}

package io.spritestream.loader.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository outside the Maven modules: docker/, grafana/. */
public final class RepoFiles {

    private RepoFiles() {}

    /** The repository root: the first folder up from the working directory that holds docker/ and grafana/. */
    public static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("docker")) && Files.isDirectory(p.resolve("grafana"))
                    && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root (with docker/ and grafana/) above " + Path.of("").toAbsolutePath());
    }

    public static Path resolve(String relative) {
        return root().resolve(relative);
    }
}

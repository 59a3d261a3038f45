/**
 * Tests of the loader module as a whole: {@link PackageRulesTest}, the layering of the loader's
 * packages and the dependencies between every module's packages (README, "How it works" and
 * "Layout"). Each layer's own tests are in its package.
 */
package io.spritestream.loader;

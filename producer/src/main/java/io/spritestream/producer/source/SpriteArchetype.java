package io.spritestream.producer.source;

/**
 * The shapes of the synthetic sprites: each one a silhouette with a few coloured parts and a hue of
 * its own.
 *
 * <p>Shapes are described in a unit square: {@code u} to the right and {@code v} downwards, both
 * from -1 to 1, centre at 0. {@link #part} says which part (if any) a point belongs to, so the
 * painter can sample it on any grid, at any scale and offset.
 */
enum SpriteArchetype {

    BALL("ball", 0.00, Secondary.COMPLEMENT) {
        @Override
        int part(double u, double v) {
            if (disc(u + 0.35, v + 0.35, 0.2)) {
                return SHINE;
            }
            return disc(u, v, 0.9) ? BODY : NONE;
        }
    },
    CROSS("cross", 0.60, Secondary.COMPLEMENT) {
        @Override
        int part(double u, double v) {
            boolean vertical = Math.abs(u) <= 0.3 && Math.abs(v) <= 0.95;
            boolean horizontal = Math.abs(v) <= 0.3 && Math.abs(u) <= 0.95;
            if (Math.abs(u) <= 0.12 && Math.abs(v) <= 0.12) {
                return DETAIL;
            }
            return vertical || horizontal ? BODY : NONE;
        }
    },
    DIAMOND("diamond", 0.48, Secondary.COMPLEMENT) {
        @Override
        int part(double u, double v) {
            double d = Math.abs(u) * 1.15 + Math.abs(v);
            if (d > 0.95) {
                return NONE;
            }
            return u + v < -0.2 && d <= 0.6 ? SHINE : BODY;
        }
    },
    HEART("heart", 0.92, Secondary.COMPLEMENT) {
        @Override
        int part(double u, double v) {
            boolean lobes = disc(u + 0.43, v + 0.33, 0.47) || disc(u - 0.43, v + 0.33, 0.47);
            boolean point = v >= -0.33 && v <= 0.9 && Math.abs(u) <= (0.9 - v) * 0.73;
            if (!lobes && !point) {
                return NONE;
            }
            return disc(u + 0.45, v + 0.4, 0.16) ? SHINE : BODY;
        }
    },
    RING("ring", 0.08, Secondary.COMPLEMENT) {
        @Override
        int part(double u, double v) {
            double r = StrictMath.hypot(u, v);
            return r >= 0.52 && r <= 0.95 ? BODY : NONE;
        }
    },
    FRAME("frame", 0.30, Secondary.COMPLEMENT) {
        @Override
        int part(double u, double v) {
            double au = Math.abs(u);
            double av = Math.abs(v);
            double m = Math.max(au, av);
            if (m > 0.9 || m < 0.55) {
                return NONE;
            }
            return au >= 0.55 && av >= 0.55 ? DETAIL : BODY;
        }
    },
    TRIANGLE("triangle", 0.75, Secondary.COMPLEMENT) {
        @Override
        int part(double u, double v) {
            if (v < -0.85 || v > 0.8) {
                return NONE;
            }
            return Math.abs(u) <= (v + 0.85) / 1.65 * 0.97 ? BODY : NONE;
        }
    },
    STAR("star", 0.16, Secondary.COMPLEMENT) {
        @Override
        int part(double u, double v) {
            return polygon(STAR_U, STAR_V, u, v) ? BODY : NONE;
        }
    },
    ARROW("arrow", 0.54, Secondary.PALE) {
        @Override
        int part(double u, double v) {
            double av = Math.abs(v);
            if (u >= 0.0 && u <= 0.95 && av <= (0.95 - u) * 0.75) {
                return BODY;
            }
            if (u >= -0.95 && u <= -0.5 && av <= 0.5 - (u + 0.95) * 0.6) {
                return DETAIL;
            }
            return u >= -0.95 && u < 0.0 && av <= 0.16 ? BODY : NONE;
        }
    },
    MUSHROOM("mushroom", 0.04, Secondary.CREAM) {
        @Override
        int part(double u, double v) {
            if (v <= 0.05 && sq(u / 0.95) + sq((v - 0.05) / 0.9) <= 1) {
                boolean spot = disc(u + 0.45, v + 0.3, 0.17) || disc(u - 0.35, v + 0.5, 0.15)
                        || disc(u - 0.5, v + 0.05, 0.13) || disc(u + 0.05, v + 0.05, 0.12);
                return spot ? SHINE : BODY;
            }
            return Math.abs(u) <= 0.32 && v > 0.05 && v <= 0.9 ? DETAIL : NONE;
        }
    },
    KEY("key", 0.12, Secondary.COMPLEMENT) {
        /** Drawn lying in (s, t), then turned 45 degrees so that the bit points to the top right. */
        @Override
        int part(double u, double v) {
            double s = (u - v) / DIAGONAL;
            double t = (u + v) / DIAGONAL;
            double r = StrictMath.hypot(s + 0.5, t);
            if (r <= 0.45) {
                return r >= 0.2 ? BODY : NONE;
            }
            if (s >= -0.1 && s <= 0.95 && Math.abs(t) <= 0.14) {
                return BODY;
            }
            boolean tooth = (s >= 0.45 && s <= 0.6) || (s >= 0.78 && s <= 0.95);
            return tooth && t > 0.14 && t <= 0.42 ? BODY : NONE;
        }
    },
    SWORD("sword", 0.68, Secondary.GOLD) {
        /** Drawn upright in (s, t), then turned 45 degrees (and stretched) so that the tip points to the top right. */
        @Override
        int part(double u, double v) {
            double s = (u + v) / DIAGONAL;
            double t = (v - u) / DIAGONAL;
            double as = Math.abs(s);
            if (t >= -0.95 && t < 0.35) {
                double half = t < -0.75 ? 0.2 * (t + 0.95) / 0.2 : 0.2;
                return as <= half ? BODY : NONE;
            }
            if (t >= 0.35 && t <= 0.55) {
                return as <= 0.55 ? DETAIL : NONE;
            }
            if (t > 0.55 && t <= 0.75) {
                return as <= 0.13 ? DETAIL : NONE;
            }
            return disc(s, t - 0.84, 0.14) ? DETAIL : NONE;
        }
    },
    MOON("moon", 0.23, Secondary.COMPLEMENT) {
        @Override
        int part(double u, double v) {
            boolean outer = disc(u, v, 0.9);
            boolean bite = disc(u - 0.4, v + 0.22, 0.66);
            return outer && !bite ? BODY : NONE;
        }
    },
    BOLT("bolt", 0.96, Secondary.COMPLEMENT) {
        @Override
        int part(double u, double v) {
            return polygon(BOLT_U, BOLT_V, u, v) ? BODY : NONE;
        }
    },
    POTION("potion", 0.83, Secondary.BROWN) {
        @Override
        int part(double u, double v) {
            double au = Math.abs(u);
            if (disc(u, v - 0.35, 0.6)) {
                return v >= 0.2 ? BODY : SHINE;
            }
            if (au <= 0.2 && v >= -0.6 && v < 0.0) {
                return SHINE;
            }
            return au <= 0.27 && v >= -0.92 && v < -0.6 ? DETAIL : NONE;
        }
    },
    TREE("tree", 0.38, Secondary.BROWN) {
        @Override
        int part(double u, double v) {
            if (disc(u, v + 0.35, 0.58) || disc(u + 0.42, v - 0.05, 0.42) || disc(u - 0.42, v - 0.05, 0.42)) {
                return BODY;
            }
            return Math.abs(u) <= 0.17 && v >= 0.2 && v <= 0.95 ? DETAIL : NONE;
        }
    };

    /** Outside the shape. */
    static final int NONE = 0;
    /** The main part, in the class hue. */
    static final int BODY = 1;
    /** A second part (stem, hilt, cork, rivets, ...), in the secondary colour. */
    static final int DETAIL = 2;
    /** A light part (shine, spots, glass), a pale tint of the hue. */
    static final int SHINE = 3;

    /** How the {@link #DETAIL} part is coloured. */
    enum Secondary { COMPLEMENT, PALE, CREAM, GOLD, BROWN }

    /** Turns a shape 45 degrees and stretches it by 1.2, into the diagonal's extra length. */
    private static final double DIAGONAL = Math.sqrt(2) * 1.2;
    private static final double[] STAR_U = new double[10];
    private static final double[] STAR_V = new double[10];
    private static final double[] BOLT_U = {-0.1, 0.62, 0.14, 0.6, -0.5, -0.18, -0.62};
    private static final double[] BOLT_V = {-0.95, -0.95, -0.12, -0.12, 0.95, 0.14, 0.14};

    static {
        for (int i = 0; i < 10; i++) {
            double radius = i % 2 == 0 ? 1.0 : 0.45;
            double angle = Math.PI * i / 5;
            STAR_U[i] = radius * StrictMath.sin(angle);
            STAR_V[i] = 0.1 - radius * StrictMath.cos(angle);
        }
    }

    private final String label;
    private final double hue;
    private final Secondary secondary;

    SpriteArchetype(String label, double hue, Secondary secondary) {
        this.label = label;
        this.hue = hue;
        this.secondary = secondary;
    }

    /** Which part the point {@code (u, v)} of the unit square belongs to: {@link #NONE}, {@link #BODY}, ... */
    abstract int part(double u, double v);

    /** The class name of this shape. */
    String label() {
        return label;
    }

    /** The base hue, in turns (0..1). */
    double hue() {
        return hue;
    }

    Secondary secondary() {
        return secondary;
    }

    private static boolean disc(double u, double v, double radius) {
        return u * u + v * v <= radius * radius;
    }

    private static double sq(double x) {
        return x * x;
    }

    /** Even-odd rule point-in-polygon test. */
    private static boolean polygon(double[] us, double[] vs, double u, double v) {
        boolean inside = false;
        for (int i = 0, j = us.length - 1; i < us.length; j = i++) {
            if ((vs[i] > v) != (vs[j] > v)
                    && u < (us[j] - us[i]) * (v - vs[i]) / (vs[j] - vs[i]) + us[i]) {
                inside = !inside;
            }
        }
        return inside;
    }
}

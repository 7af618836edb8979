package io.flinkrnn.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** A small headless PNG line chart (log-scale axes optional), so the bench writes its own plots. */
final class Plot {

    private static final Color[] COLORS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)
    };

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logX;
    private final boolean logY;
    private final Map<String, List<double[]>> series = new LinkedHashMap<>();
    private final Map<String, Boolean> dashed = new LinkedHashMap<>();
    private boolean bars;

    Plot(String title, String xLabel, String yLabel, boolean logX, boolean logY) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logX = logX;
        this.logY = logY;
    }

    Plot bars() {
        this.bars = true;
        return this;
    }

    Plot point(String name, double x, double y) {
        series.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {x, y});
        return this;
    }

    Plot dashed(String name) {
        dashed.put(name, true);
        return this;
    }

    private double tx(double x) {
        return logX ? Math.log10(Math.max(x, 1e-12)) : x;
    }

    private double ty(double y) {
        return logY ? Math.log10(Math.max(y, 1e-12)) : y;
    }

    void write(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int w = 900;
        int h = 560;
        int left = 90;
        int right = 220;
        int top = 50;
        int bottom = 60;
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, minY = Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
        for (List<double[]> pts : series.values()) {
            for (double[] p : pts) {
                minX = Math.min(minX, tx(p[0]));
                maxX = Math.max(maxX, tx(p[0]));
                minY = Math.min(minY, ty(p[1]));
                maxY = Math.max(maxY, ty(p[1]));
            }
        }
        if (!logY) {
            minY = Math.min(0, minY);
        } else {
            minY = Math.floor(minY);
            maxY = Math.ceil(maxY);
        }
        if (maxX == minX) {
            maxX = minX + 1;
        }
        if (maxY == minY) {
            maxY = minY + 1;
        }
        if (!logY) {
            maxY = maxY * 1.05;
        }
        int pw = w - left - right;
        int ph = h - top - bottom;
        final double fminX = minX, fmaxX = maxX, fminY = minY, fmaxY = maxY;
        java.util.function.DoubleUnaryOperator px = x -> left + (tx(x) - fminX) / (fmaxX - fminX) * pw;
        java.util.function.DoubleUnaryOperator py = y -> top + ph - (ty(y) - fminY) / (fmaxY - fminY) * ph;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, left, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawRect(left, top, pw, ph);
        // y ticks
        for (int i = 0; i <= 5; i++) {
            double v = minY + (maxY - minY) * i / 5;
            int y = (int) (top + ph - (double) ph * i / 5);
            g.setColor(new Color(0xdddddd));
            g.drawLine(left + 1, y, left + pw - 1, y);
            g.setColor(Color.BLACK);
            g.drawString(format(logY ? Math.pow(10, v) : v), 8, y + 4);
        }
        // x ticks at the data's x values
        java.util.TreeSet<Double> xs = new java.util.TreeSet<>();
        series.values().forEach(pts -> pts.forEach(p -> xs.add(p[0])));
        if (xs.size() <= 12) {
            for (double x : xs) {
                int xp = (int) px.applyAsDouble(x);
                g.drawLine(xp, top + ph, xp, top + ph + 4);
                g.drawString(format(x), xp - 10, top + ph + 18);
            }
        } else {
            for (int i = 0; i <= 5; i++) {
                double v = minX + (maxX - minX) * i / 5;
                int xp = (int) (left + (double) pw * i / 5);
                g.drawString(format(logX ? Math.pow(10, v) : v), xp - 10, top + ph + 18);
            }
        }
        g.drawString(xLabel, left + pw / 2 - 40, h - 18);
        g.drawString(yLabel, 8, top - 8);
        int k = 0;
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            Color c = COLORS[k % COLORS.length];
            g.setColor(c);
            boolean dash = dashed.getOrDefault(e.getKey(), false);
            g.setStroke(
                    dash
                            ? new BasicStroke(
                                    2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_BEVEL, 1f, new float[] {8f, 6f}, 0f)
                            : new BasicStroke(2f));
            double[] prev = null;
            for (double[] p : e.getValue()) {
                int x = (int) px.applyAsDouble(p[0]);
                int y = (int) py.applyAsDouble(p[1]);
                if (bars) {
                    int base = (int) py.applyAsDouble(logY ? Math.pow(10, minY) : 0);
                    g.fillRect(x - 1, Math.min(y, base), 3, Math.abs(base - y));
                } else {
                    g.fillOval(x - 3, y - 3, 7, 7);
                    if (prev != null) {
                        g.drawLine((int) px.applyAsDouble(prev[0]), (int) py.applyAsDouble(prev[1]), x, y);
                    }
                }
                prev = p;
            }
            g.setStroke(new BasicStroke(2f));
            int ly = top + 16 + 18 * k;
            g.drawLine(left + pw + 12, ly - 4, left + pw + 32, ly - 4);
            g.setColor(Color.BLACK);
            g.drawString(e.getKey(), left + pw + 38, ly);
            k++;
        }
        g.dispose();
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(image, "png", file.toFile());
        System.out.println("# wrote " + file);
    }

    private static String format(double v) {
        double a = Math.abs(v);
        if (a >= 1e6) {
            return String.format("%.3gM", v / 1e6);
        }
        if (a >= 1e4) {
            return String.format("%.3gk", v / 1e3);
        }
        if (a >= 100 || v == Math.rint(v)) {
            return String.format("%.0f", v);
        }
        return String.format("%.3g", v);
    }
}

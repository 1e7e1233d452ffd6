package org.wildfly.mlt.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of a Prometheus text endpoint, split into samples for assertions. */
public final class PrometheusScrape {

    /** A sample line: metric name, labels, value and the raw exemplar text after '#', if any. */
    public record Sample(String name, Map<String, String> labels, double value, String exemplar) {
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*?)})? (\\S+)(?: \\S+)?(?: # (.*))?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final List<Sample> samples;

    private PrometheusScrape(List<Sample> samples) {
        this.samples = samples;
    }

    public static PrometheusScrape of(String url, boolean openMetrics) {
        String accept = openMetrics ? "application/openmetrics-text; version=1.0.0" : "text/plain; version=0.0.4";
        var response = Http.get(url, "Accept", accept);
        if (response.statusCode() != 200) {
            throw new AssertionError("Scrape of " + url + " answered " + response.statusCode());
        }
        List<Sample> samples = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches()) {
                throw new AssertionError("Unparseable sample line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (sample.group(2) != null) {
                Matcher label = LABEL.matcher(sample.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            samples.add(new Sample(sample.group(1), labels, Double.parseDouble(sample.group(3)), sample.group(4)));
        }
        return new PrometheusScrape(samples);
    }

    /** Samples of this name whose labels include all the given ones. */
    public List<Sample> find(String name, Map<String, String> labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
    }

    /** The sum over matching samples (0 when none: a counter not yet incremented). */
    public double value(String name, Map<String, String> labels) {
        return find(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    /** The raw exemplar text of every sample that has one. */
    public List<String> exemplars() {
        return samples.stream().map(Sample::exemplar).filter(e -> e != null).toList();
    }

    public boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }
}

package org.wildfly.mlt.observability;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Just enough PromQL reading to list the metric names an expression selects. promtool checks the syntax. */
public final class PromQl {

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w:.])([a-zA-Z_:][\\w:]*+)(?!\\s*\\()");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN");

    private static final Pattern MODIFIERS = Pattern.compile(
            "^(?:(?:on|ignoring|group_left|group_right)\\b\\s*(?:\\([^)]*\\))?\\s*)*");
    private static final Pattern OPERAND = Pattern.compile("^[\\w:.]+");

    private PromQl() {
    }

    /**
     * The right-hand operand of each division, as written: a number, a metric name, or a parenthesized expression
     * (returned with its parentheses). Label matchers and strings are blanked first, so a "/" in a route is no
     * division; matching modifiers (on, group_left ...) are skipped.
     */
    public static List<String> divisors(String expr) {
        String bare = MATCHERS.matcher(STRING.matcher(expr).replaceAll("\"\"")).replaceAll("{}");
        List<String> divisors = new ArrayList<>();
        for (int i = bare.indexOf('/'); i >= 0; i = bare.indexOf('/', i + 1)) {
            String rest = bare.substring(i + 1).stripLeading();
            rest = MODIFIERS.matcher(rest).replaceFirst("");
            if (rest.startsWith("(")) {
                int depth = 0;
                int end = 0;
                do {
                    depth += rest.charAt(end) == '(' ? 1 : rest.charAt(end) == ')' ? -1 : 0;
                    end++;
                } while (depth > 0 && end < rest.length());
                divisors.add(rest.substring(0, end));
            } else {
                Matcher operand = OPERAND.matcher(rest);
                divisors.add(operand.find() ? operand.group() : rest);
            }
        }
        return divisors;
    }

    public static Set<String> metricNames(String expr) {
        String bare = STRING.matcher(expr).replaceAll("\"\"");
        bare = MATCHERS.matcher(bare).replaceAll("{}");
        bare = RANGE.matcher(bare).replaceAll("");
        bare = GROUPING.matcher(bare).replaceAll("");
        Set<String> names = new LinkedHashSet<>();
        Matcher identifier = IDENTIFIER.matcher(bare);
        while (identifier.find()) {
            if (!KEYWORDS.contains(identifier.group(1))) {
                names.add(identifier.group(1));
            }
        }
        return names;
    }
}

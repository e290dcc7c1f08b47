package io.mqttreplicator.standalone;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The problems (the configuration is refused) and warnings (it runs, but probably not as meant)
 * found in the MQTTREP_* variables. Each is one line that starts with the variable it is about;
 * lines are reported sorted by variable, so the output does not depend on the environment's order.
 */
final class Findings {

    static final String HIDDEN = "(hidden)";
    private static final int MAX_VALUE_LENGTH = 120;

    private record Finding(String variable, String line) {
    }

    private final List<Finding> problems = new ArrayList<>();
    private final List<Finding> warnings = new ArrayList<>();

    /** {@code VARIABLE=value: message}; the value must not be a secret. */
    void problem(String variable, String value, String message) {
        problems.add(new Finding(variable, variable + "=" + printable(value) + ": " + message));
    }

    /** {@code VARIABLE: message}, for a variable whose value is absent or must not be shown. */
    void problem(String variable, String message) {
        problems.add(new Finding(variable, variable + ": " + message));
    }

    void warning(String variable, String value, String message) {
        warnings.add(new Finding(variable, variable + "=" + printable(value) + ": " + message));
    }

    void warning(String variable, String message) {
        warnings.add(new Finding(variable, variable + ": " + message));
    }

    boolean hasProblems() {
        return !problems.isEmpty();
    }

    int problemCount() {
        return problems.size();
    }

    List<String> problems() {
        return sorted(problems);
    }

    List<String> warnings() {
        return sorted(warnings);
    }

    private static List<String> sorted(List<Finding> findings) {
        // stable: several findings about one variable keep the order they were found in
        return findings.stream().sorted(Comparator.comparing(Finding::variable)).map(Finding::line).toList();
    }

    /** A value as it can appear on one line of output: control characters escaped, long values cut. */
    static String printable(String value) {
        StringBuilder text = new StringBuilder();
        int i = 0;
        for (; i < value.length() && text.length() < MAX_VALUE_LENGTH; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                case '\t' -> text.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        text.append(String.format("\\u%04x", (int) c));
                    } else {
                        text.append(c);
                    }
                }
            }
        }
        return i < value.length() ? text + "…" : text.toString();
    }
}

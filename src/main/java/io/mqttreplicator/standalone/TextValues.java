package io.mqttreplicator.standalone;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** How the plain (non-JSON) MQTTREP_* values are read: booleans, whole numbers, name lists. */
final class TextValues {

    static final String BOOLEAN_EXPECTED = "must be true or false (also accepted: 1/0, yes/no)";

    private static final Pattern WHOLE_NUMBER = Pattern.compile("[+-]?\\d{1,18}");
    // Plain decimal notation only: Double.parseDouble would also take "NaN", "0x1p3" or "1d"
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private TextValues() {
    }

    static Optional<Boolean> bool(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> Optional.of(true);
            case "false", "0", "no" -> Optional.of(false);
            default -> Optional.empty();
        };
    }

    static Optional<Long> wholeNumber(String text) {
        String trimmed = text.trim();
        return WHOLE_NUMBER.matcher(trimmed).matches() ? Optional.of(Long.parseLong(trimmed)) : Optional.empty();
    }

    static Optional<Double> decimal(String text) {
        String trimmed = text.trim();
        return DECIMAL.matcher(trimmed).matches() ? Optional.of(Double.parseDouble(trimmed)) : Optional.empty();
    }

    /** A comma-separated list: entries trimmed, empty entries ignored (as MQTT_Replicator does). */
    static List<String> names(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).filter(name -> !name.isEmpty()).toList();
    }
}

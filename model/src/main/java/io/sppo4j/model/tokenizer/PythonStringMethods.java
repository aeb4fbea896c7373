package io.sppo4j.model.tokenizer;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Python's {@code str} methods on strings in chat templates ({@code content.startswith('<think>')},
 * {@code role.upper()}, {@code text.split('</think>')[-1].lstrip('\n')}): Jinjava would otherwise
 * look for Java methods of the same names, which mostly do not exist or mean something else
 * ({@code split} takes a regex). Only method calls on strings and {@code text[i]} are resolved
 * here; everything else falls through to Jinjava's own resolvers.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String text) || method == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(text, method.toString(), args);
        if (result != NOT_A_METHOD) {
            context.setPropertyResolved(true);
            return result;
        }
        return null;
    }

    private static final Object NOT_A_METHOD = new Object();
    private static final java.util.regex.Pattern INDEX = java.util.regex.Pattern.compile("-?\\d{1,9}");

    private static Object call(String text, String method, Object[] args) {
        return switch (method) {
            case "startswith" -> anyOf(args[0], prefix -> text.startsWith(prefix));
            case "endswith" -> anyOf(args[0], suffix -> text.endsWith(suffix));
            case "upper" -> text.toUpperCase(Locale.ROOT);
            case "lower" -> text.toLowerCase(Locale.ROOT);
            case "strip" -> rstrip(lstrip(text, chars(args)), chars(args));
            case "lstrip" -> lstrip(text, chars(args));
            case "rstrip" -> rstrip(text, chars(args));
            case "split" -> split(text, args.length > 0 ? (String) args[0] : null,
                    args.length > 1 ? ((Number) args[1]).intValue() : -1);
            case "replace" -> args.length > 2 ? replace(text, args[0].toString(), args[1].toString(),
                    ((Number) args[2]).intValue()) : text.replace(args[0].toString(), args[1].toString());
            case "title" -> title(text);
            case "capitalize" -> text.isEmpty() ? text
                    : text.substring(0, 1).toUpperCase(Locale.ROOT) + text.substring(1).toLowerCase(Locale.ROOT);
            case "find" -> text.indexOf(args[0].toString());
            case "count" -> count(text, args[0].toString());
            case "join" -> join(text, args[0]);
            default -> NOT_A_METHOD;
        };
    }

    private static boolean anyOf(Object candidates, java.util.function.Predicate<String> test) {
        if (candidates instanceof Iterable<?> many) { // Python accepts a tuple of prefixes
            for (Object candidate : many) {
                if (test.test(candidate.toString())) {
                    return true;
                }
            }
            return false;
        }
        return test.test(candidates.toString());
    }

    /** The characters to strip; {@code null} for whitespace, as in Python. */
    private static String chars(Object[] args) {
        return args.length == 0 || args[0] == null ? null : args[0].toString();
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : chars.indexOf(c) >= 0;
    }

    private static String lstrip(String text, String chars) {
        int start = 0;
        while (start < text.length() && stripped(text.charAt(start), chars)) {
            start++;
        }
        return text.substring(start);
    }

    private static String rstrip(String text, String chars) {
        int end = text.length();
        while (end > 0 && stripped(text.charAt(end - 1), chars)) {
            end--;
        }
        return text.substring(0, end);
    }

    /** Python's split: by a literal separator, or on runs of whitespace (dropping empties) without one. */
    private static List<String> split(String text, String separator, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (separator == null) {
            String rest = lstrip(text, null);
            while (!rest.isEmpty()) {
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(rest);
                    return parts;
                }
                int end = 0;
                while (end < rest.length() && !stripped(rest.charAt(end), null)) {
                    end++;
                }
                parts.add(rest.substring(0, end));
                rest = lstrip(rest.substring(end), null);
            }
            return parts;
        }
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("split: empty separator");
        }
        int start = 0;
        int found;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (found = text.indexOf(separator, start)) >= 0) {
            parts.add(text.substring(start, found));
            start = found + separator.length();
        }
        parts.add(text.substring(start));
        return parts;
    }

    private static String replace(String text, String old, String replacement, int count) {
        if (count < 0) {
            return text.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int start = 0;
        int found;
        int done = 0;
        while (done < count && !old.isEmpty() && (found = text.indexOf(old, start)) >= 0) {
            out.append(text, start, found).append(replacement);
            start = found + old.length();
            done++;
        }
        return out.append(text.substring(start)).toString();
    }

    private static String title(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean previousIsLetter = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(previousIsLetter ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousIsLetter = Character.isLetter(c);
        }
        return out.toString();
    }

    private static int count(String text, String part) {
        if (part.isEmpty()) {
            return text.length() + 1;
        }
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }

    private static String join(String separator, Object items) {
        List<String> parts = new ArrayList<>();
        if (items instanceof Iterable<?> iterable) {
            iterable.forEach(item -> parts.add(String.valueOf(item)));
        } else {
            throw new IllegalArgumentException("join: expected a list, got " + items);
        }
        return String.join(separator, parts);
    }

    /** {@code text[i]} (negative from the end, as in Python); other properties go to the next resolver. */
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        // Jinjava hands the index over as text ("0", "-1").
        if (base instanceof String text && property != null && INDEX.matcher(property.toString()).matches()) {
            int index = Integer.parseInt(property.toString());
            int at = index < 0 ? text.length() + index : index;
            context.setPropertyResolved(true);
            return at >= 0 && at < text.length() ? String.valueOf(text.charAt(at)) : null;
        }
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // never resolves a property
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return base instanceof String ? Object.class : null;
    }
}

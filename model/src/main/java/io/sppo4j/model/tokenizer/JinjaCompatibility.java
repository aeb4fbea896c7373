package io.sppo4j.model.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the two Python-Jinja constructs of common chat templates (Qwen3's among them) that
 * Jinjava parses differently, into equivalents it parses as Jinja does:
 * <ul>
 *   <li>the reversing slice {@code xs[::-1]} (Jinjava knows no slice step) becomes {@code (xs|reverse)};</li>
 *   <li>a keyword argument of {@code namespace(...)} whose value is an expression
 *       ({@code last=messages|length - 1}) is parenthesised: Jinjava binds {@code name=value}
 *       tighter than the operators in the value.</li>
 * </ul>
 * Both rewrites leave text outside those constructs untouched.
 */
final class JinjaCompatibility {

    private static final Pattern REVERSED_SLICE =
            Pattern.compile("([A-Za-z_]\\w*(?:\\.[A-Za-z_]\\w*|\\[[^\\[\\]]*\\])*)\\[\\s*:\\s*:\\s*-1\\s*\\]");
    private static final Pattern NAMESPACE_CALL = Pattern.compile("\\bnamespace\\s*\\(");
    private static final Pattern KEYWORD = Pattern.compile("^\\s*([A-Za-z_]\\w*)\\s*=(?!=)(.*)$", Pattern.DOTALL);

    private JinjaCompatibility() {}

    static String adapt(String source) {
        return parenthesiseNamespaceArguments(REVERSED_SLICE.matcher(source).replaceAll("($1|reverse)"));
    }

    private static String parenthesiseNamespaceArguments(String source) {
        StringBuilder out = new StringBuilder(source.length() + 16);
        Matcher call = NAMESPACE_CALL.matcher(source);
        int copied = 0;
        while (call.find(copied)) {
            int open = call.end() - 1;
            int close = matchingParenthesis(source, open);
            if (close < 0) {
                break; // unbalanced: leave it for Jinjava to report
            }
            out.append(source, copied, open + 1);
            List<String> arguments = splitTopLevel(source.substring(open + 1, close));
            for (int i = 0; i < arguments.size(); i++) {
                Matcher keyword = KEYWORD.matcher(arguments.get(i));
                out.append(i == 0 ? "" : ",");
                if (keyword.matches()) {
                    out.append(keyword.group(1)).append("=(").append(keyword.group(2).trim()).append(')');
                } else {
                    out.append(arguments.get(i));
                }
            }
            out.append(')');
            copied = close + 1;
        }
        return out.append(source.substring(copied)).toString();
    }

    /** Index of the parenthesis closing the one at {@code open}, skipping quoted text; -1 if none. */
    private static int matchingParenthesis(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'' || c == '"') {
                i = endOfQuote(text, i);
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
                if (depth == 0) {
                    return c == ')' ? i : -1;
                }
            }
        }
        return -1;
    }

    private static List<String> splitTopLevel(String arguments) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < arguments.length(); i++) {
            char c = arguments.charAt(i);
            if (c == '\'' || c == '"') {
                i = endOfQuote(arguments, i);
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(arguments.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(arguments.substring(start));
        return parts;
    }

    private static int endOfQuote(String text, int quote) {
        char mark = text.charAt(quote);
        for (int i = quote + 1; i < text.length(); i++) {
            if (text.charAt(i) == '\\') {
                i++;
            } else if (text.charAt(i) == mark) {
                return i;
            }
        }
        return text.length() - 1;
    }
}

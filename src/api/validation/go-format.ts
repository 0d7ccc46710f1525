// Values inside upstream's validation messages are printed with Go's `%#v` when they are
// maps, slices or structs. These helpers reproduce that text for the shapes we report.

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** `map[string]string{"a":"b"}` (keys sorted, as Go prints maps). */
export function goStringMap(m: Record<string, string> | undefined | null): string {
  if (!m) return 'map[string]string(nil)';
  const body = Object.keys(m)
    .sort()
    .map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`)
    .join(', ');
  return `map[string]string{${body}}`;
}

/** `[]string{"a", "b"}`. */
export function goStringSlice(xs: string[] | undefined | null): string {
  if (!xs) return '[]string(nil)';
  return `[]string{${xs.map(goQuote).join(', ')}}`;
}

/** A metav1.LabelSelector printed (dereferenced) as `v1.LabelSelector{MatchLabels:…, MatchExpressions:…}`. */
export function goLabelSelector(sel: any): string {
  if (!sel) return '(*v1.LabelSelector)(nil)';
  const labels = sel.matchLabels ? goStringMap(sel.matchLabels) : 'map[string]string(nil)';
  const exprs = Array.isArray(sel.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map(
          (e: any) =>
            `v1.LabelSelectorRequirement{Key:${goQuote(e.key ?? '')}, Operator:${goQuote(e.operator ?? '')}, Values:${goStringSlice(e.values)}}`,
        )
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${exprs}}`;
}

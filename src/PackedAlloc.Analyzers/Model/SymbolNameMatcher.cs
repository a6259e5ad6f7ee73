using System.Linq;
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using System.Runtime.CompilerServices;
using PackedAlloc.Analyzers.Flow;

namespace PackedAlloc.Analyzers.Model
{
    /// <summary>
    /// Matches methods against a list of names in the format of NetAnalyzers' symbol-name options
    /// (<c>excluded_symbol_names</c>): entries separated by <c>|</c>, each one of
    /// <list type="bullet">
    /// <item>a documentation ID, <c>M:Driver.Dma.BounceCopy(PackedAlloc.Runtime.KernelPtr,System.Int32)</c>;</item>
    /// <item>a fully qualified name, <c>Driver.Dma.BounceCopy</c> (every overload);</item>
    /// <item>a bare name, <c>BounceCopy</c> (any type);</item>
    /// </list>
    /// any of which may end in <c>*</c> to match every name starting with what precedes it.
    /// </summary>
    internal sealed class SymbolNameMatcher
    {
        public static readonly SymbolNameMatcher None = new SymbolNameMatcher(ImmutableArray<string>.Empty);

        private readonly ImmutableArray<string> _entries;

        private SymbolNameMatcher(ImmutableArray<string> entries) => _entries = entries;

        public bool IsEmpty => _entries.IsEmpty;

        /// <summary>Whether both were read from the same entries.</summary>
        public bool SameAs(SymbolNameMatcher other) => _entries.SequenceEqual(other._entries, System.StringComparer.Ordinal);

        public static SymbolNameMatcher Parse(string? option)
        {
            if (string.IsNullOrWhiteSpace(option))
            {
                return None;
            }

            var entries = new List<string>();
            foreach (var part in option!.Split('|'))
            {
                var entry = part.Trim();
                if (entry.Length > 0)
                {
                    entries.Add(entry);
                }
            }

            return new SymbolNameMatcher(entries.ToImmutableArray());
        }

        /// <summary>
        /// The simple method name of each entry, as calls write it (for a wildcard entry, the prefix), so that the
        /// analysis can tell from a body's text whether it may call one.
        /// </summary>
        public IEnumerable<(string Name, bool IsPrefix)> SimpleNames()
        {
            foreach (var entry in _entries)
            {
                var name = entry.StartsWith("M:", StringComparison.Ordinal) ? entry.Substring(2) : entry;
                int parameters = name.IndexOf('(');
                if (parameters >= 0) name = name.Substring(0, parameters);
                bool isPrefix = name.EndsWith("*", StringComparison.Ordinal);
                if (isPrefix) name = name.Substring(0, name.Length - 1);
                int dot = name.LastIndexOf('.');
                if (dot >= 0)
                {
                    // A wildcard inside the type part ("Driver.*") may match any method name.
                    name = isPrefix && dot == name.Length - 1 ? string.Empty : name.Substring(dot + 1);
                }

                int arity = name.IndexOf('`');
                if (arity >= 0) name = name.Substring(0, arity);
                yield return (name, isPrefix);
            }
        }

        [MethodImpl(HotPath.Optimized)]
        public bool Matches(IMethodSymbol method)
        {
            if (_entries.IsEmpty)
            {
                return false;
            }

            var definition = method.ReducedFrom ?? method.OriginalDefinition;
            string? docId = null;
            string? qualified = null;
            foreach (var entry in _entries)
            {
                string candidate;
                if (entry.StartsWith("M:", StringComparison.Ordinal))
                {
                    candidate = docId ??= definition.GetDocumentationCommentId() ?? string.Empty;
                }
                else if (entry.IndexOf('.') >= 0)
                {
                    qualified ??= QualifiedName(definition);
                    candidate = qualified;
                }
                else
                {
                    candidate = definition.Name;
                }

                if (Matches(entry, candidate))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool Matches(string pattern, string candidate) =>
            pattern.EndsWith("*", StringComparison.Ordinal)
                ? candidate.StartsWith(pattern.Substring(0, pattern.Length - 1), StringComparison.Ordinal)
                : string.Equals(pattern, candidate, StringComparison.Ordinal);

        private static string QualifiedName(IMethodSymbol method)
        {
            var type = method.ContainingType?.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat
                .WithGenericsOptions(SymbolDisplayGenericsOptions.None)
                .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.None));
            return type == null ? method.Name : type + "." + method.Name;
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.Text;
using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// A set of identifiers, and a scan that tells whether a stretch of source text contains one of them as a whole
    /// word. It is the cheap first filter of <see cref="Relevance"/>: a body that can touch a kernel value must name
    /// something that leads to one (a runtime type or function, a member whose type holds one, a method that reaches
    /// one), so bodies whose text names none of them are never bound. A word found in a comment or string only makes
    /// a body a candidate; binding then decides.
    /// </summary>
    internal sealed class NameSet
    {
        private readonly HashSet<string> _names = new HashSet<string>(System.StringComparer.Ordinal);
        /// <summary>Length, first and last character of each name: most words are ruled out without making a string.</summary>
        private readonly HashSet<long> _shapes = new HashSet<long>();
        private readonly List<string> _prefixes = new List<string>();

        /// <summary>The scan's buffer, reused: a name set is used by one thread at a time.</summary>
        private readonly char[] _chunk = new char[ChunkSize];

        private const int ChunkSize = 8192;

        /// <summary>Adds a name; false when it was there already.</summary>
        public bool Add(string name)
        {
            if (string.IsNullOrEmpty(name) || !_names.Add(name))
            {
                return false;
            }

            _shapes.Add(Shape(name.Length, name[0], name[name.Length - 1]));
            return true;
        }

        /// <summary>Adds a prefix: every identifier starting with it counts (a configured <c>Bounce*</c>); an empty prefix matches any identifier.</summary>
        public void AddPrefix(string prefix) => _prefixes.Add(prefix);

        public int Count => _names.Count + _prefixes.Count;

        /// <summary>Whether <paramref name="span"/> of <paramref name="text"/> contains one of the names as a whole identifier.</summary>
        [MethodImpl(HotPath.Optimized)]
        public bool OccursIn(SourceText text, TextSpan span)
        {
            if (Count == 0)
            {
                return false;
            }

            // Read the text in chunks rather than a character at a time through SourceText's indexer. A chunk ends
            // between identifiers, so no identifier is split; one longer than a chunk is skipped (no name is that long).
            var chunk = _chunk;
            int end = System.Math.Min(span.End, text.Length);
            int start = span.Start;
            while (start < end)
            {
                int length = System.Math.Min(ChunkSize, end - start);
                text.CopyTo(start, chunk, 0, length);
                int usable = length;
                if (start + length < end)
                {
                    // Back up to the last character that cannot be part of an identifier.
                    while (usable > 0 && IsIdentifierPart(chunk[usable - 1])) usable--;
                    if (usable == 0) usable = length;
                }

                if (OccursIn(chunk, usable))
                {
                    return true;
                }

                start += usable;
            }

            return false;
        }

        /// <summary>
        /// Which of the names (and words a prefix matches) <paramref name="span"/> of <paramref name="text"/> contains,
        /// each once, in order: two stretches with the same list are picked in the same rounds of the relevance pass.
        /// </summary>
        public IReadOnlyList<string> Occurring(SourceText text, TextSpan span)
        {
            var found = new SortedSet<string>(System.StringComparer.Ordinal);
            var chars = text.ToString(span);
            int position = 0;
            while (position < chars.Length)
            {
                if (!IsIdentifierStart(chars[position]))
                {
                    position++;
                    continue;
                }

                int start = position;
                while (position < chars.Length && IsIdentifierPart(chars[position]))
                {
                    position++;
                }

                var word = chars.Substring(start, position - start);
                if (_names.Contains(word) || (_prefixes.Count > 0 && StartsWithPrefix(word.ToCharArray(), 0, word.Length)))
                {
                    found.Add(word);
                }
            }

            return found.ToList();
        }

        [MethodImpl(HotPath.Optimized)]
        private bool OccursIn(char[] chars, int length)
        {
            int position = 0;
            while (position < length)
            {
                if (!IsIdentifierStart(chars[position]))
                {
                    position++;
                    continue;
                }

                int start = position;
                while (position < length && IsIdentifierPart(chars[position]))
                {
                    position++;
                }

                int wordLength = position - start;
                if (_prefixes.Count > 0 && StartsWithPrefix(chars, start, wordLength))
                {
                    return true;
                }

                if (_shapes.Contains(Shape(wordLength, chars[start], chars[position - 1]))
                    && _names.Contains(new string(chars, start, wordLength)))
                {
                    return true;
                }
            }

            return false;
        }

        private static long Shape(int length, char first, char last) => ((long)length << 32) | ((long)first << 16) | last;

        private bool StartsWithPrefix(char[] chars, int start, int length)
        {
            foreach (var prefix in _prefixes)
            {
                if (prefix.Length > length) continue;
                int i = 0;
                while (i < prefix.Length && chars[start + i] == prefix[i]) i++;
                if (i == prefix.Length) return true;
            }

            return false;
        }

        private static bool IsIdentifierStart(char c) => char.IsLetter(c) || c == '_';

        private static bool IsIdentifierPart(char c) => char.IsLetterOrDigit(c) || c == '_';
    }
}

namespace PackedAlloc.BuildBench.Corpora
{
    internal static class SourceText
    {
        /// <summary>Lines as an editor counts them: a final line without a newline still counts.</summary>
        public static int CountLines(string text)
        {
            if (text.Length == 0)
            {
                return 0;
            }

            int newlines = 0;
            foreach (char c in text)
            {
                if (c == '\n')
                {
                    newlines++;
                }
            }

            return text[text.Length - 1] == '\n' ? newlines : newlines + 1;
        }
    }
}

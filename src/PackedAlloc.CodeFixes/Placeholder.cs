namespace PackedAlloc.CodeFixes { }

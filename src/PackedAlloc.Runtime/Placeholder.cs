namespace PackedAlloc.Runtime { }

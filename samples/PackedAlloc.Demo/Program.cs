System.Console.WriteLine("PackedAlloc demo: coming up.");

using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// The blocks waiting to be (re)visited, always handing out the lowest ordinal first (so a loop body is
    /// finished before what follows it). A flag per block and the lowest ordinal that may be set: no allocation
    /// per add or take, which a sorted set had at every step.
    /// </summary>
    internal sealed class BlockWorklist
    {
        private readonly bool[] _pending;
        private int _lowest;
        private int _count;

        public BlockWorklist(int blocks)
        {
            _pending = new bool[blocks];
            _lowest = blocks;
        }

        public bool IsEmpty => _count == 0;

        [MethodImpl(HotPath.Optimized)]
        public void Add(int ordinal)
        {
            if (_pending[ordinal])
            {
                return;
            }

            _pending[ordinal] = true;
            _count++;
            if (ordinal < _lowest)
            {
                _lowest = ordinal;
            }
        }

        [MethodImpl(HotPath.Optimized)]
        public int TakeLowest()
        {
            while (!_pending[_lowest])
            {
                _lowest++;
            }

            _pending[_lowest] = false;
            _count--;
            return _lowest;
        }
    }
}

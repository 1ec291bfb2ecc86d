// Cluster tests start real processes; two at a time is what a 2-core machine carries well.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]

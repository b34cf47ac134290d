//! Steps as a petgraph DAG; an edge runs from a dependency to its dependent.

use indexmap::{IndexMap, IndexSet};
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

/// Levels and the critical path of an acyclic step graph.
#[derive(Debug, Clone)]
pub struct Plan {
    pub graph: DiGraph<String, ()>,
    /// Steps grouped by the length of the longest dependency chain before them;
    /// each level's steps can run in parallel.
    pub levels: Vec<Vec<String>>,
    /// One longest chain of dependent steps, first to last.
    pub critical_path: Vec<String>,
}

fn build_graph(deps: &IndexMap<String, IndexSet<String>>) -> DiGraph<String, ()> {
    let mut graph = DiGraph::with_capacity(deps.len(), deps.len());
    let index: IndexMap<&str, NodeIndex> = deps
        .keys()
        .map(|id| (id.as_str(), graph.add_node(id.clone())))
        .collect();
    for (id, needs) in deps {
        for need in needs {
            if let (Some(&from), Some(&to)) = (index.get(need.as_str()), index.get(id.as_str())) {
                graph.add_edge(from, to, ());
            }
        }
    }
    graph
}

/// Every cycle (strongly connected component with more than one step, or a
/// self-loop), each as the ordered list of its steps.
pub fn cycles(deps: &IndexMap<String, IndexSet<String>>) -> Vec<Vec<String>> {
    let graph = build_graph(deps);
    let mut out: Vec<Vec<String>> = tarjan_scc(&graph)
        .into_iter()
        .filter(|scc| scc.len() > 1 || graph.contains_edge(scc[0], scc[0]))
        .map(|scc| walk_cycle(&graph, &scc))
        .collect();
    out.sort();
    out
}

/// Orders the steps of a strongly connected component along an actual cycle,
/// starting from the one declared first.
fn walk_cycle(graph: &DiGraph<String, ()>, scc: &[NodeIndex]) -> Vec<String> {
    let start = *scc.iter().min().expect("components are not empty");
    let members: IndexSet<NodeIndex> = scc.iter().copied().collect();
    // Depth-first search for the longest simple path back to the start (the
    // components of real specs are tiny; bound the work anyway).
    let mut best: Vec<NodeIndex> = vec![start];
    let mut stack = vec![(start, vec![start])];
    let mut budget = 10_000;
    while let Some((node, path)) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            break;
        }
        for next in graph.neighbors(node) {
            if next == start && path.len() > best.len() {
                best = path.clone();
            } else if members.contains(&next) && !path.contains(&next) {
                let mut longer = path.clone();
                longer.push(next);
                stack.push((next, longer));
            }
        }
    }
    best.iter().map(|n| graph[*n].clone()).collect()
}

impl Plan {
    /// Plans an acyclic graph (check for cycles first).
    pub fn new(deps: &IndexMap<String, IndexSet<String>>) -> Plan {
        let graph = build_graph(deps);
        let order = toposort(&graph, None).unwrap_or_else(|_| graph.node_indices().collect());
        let mut level = vec![0usize; graph.node_count()];
        let mut before: Vec<Option<NodeIndex>> = vec![None; graph.node_count()];
        for &node in &order {
            for next in graph.neighbors(node) {
                if level[node.index()] + 1 > level[next.index()] {
                    level[next.index()] = level[node.index()] + 1;
                    before[next.index()] = Some(node);
                }
            }
        }
        let depth = level.iter().max().map_or(0, |m| m + 1);
        let mut levels = vec![Vec::new(); depth];
        // Declaration order within a level reads like the spec.
        for node in graph.node_indices() {
            levels[level[node.index()]].push(graph[node].clone());
        }
        let mut critical_path = Vec::new();
        let mut cursor = graph
            .node_indices()
            .max_by_key(|n| (level[n.index()], std::cmp::Reverse(n.index())));
        while let Some(node) = cursor {
            critical_path.push(graph[node].clone());
            cursor = before[node.index()];
        }
        critical_path.reverse();
        Plan {
            graph,
            levels,
            critical_path,
        }
    }

    /// The largest number of steps that can run at the same time by level.
    pub fn max_parallel(&self) -> usize {
        self.levels.iter().map(Vec::len).max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(edges: &[(&str, &[&str])]) -> IndexMap<String, IndexSet<String>> {
        edges
            .iter()
            .map(|(id, d)| (id.to_string(), d.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn levels_and_critical_path() {
        let plan = Plan::new(&deps(&[
            ("token", &[]),
            ("app", &["token"]),
            ("user", &["token"]),
            ("password", &["user"]),
            ("login", &["app", "password"]),
        ]));
        assert_eq!(
            plan.levels,
            vec![
                vec!["token"],
                vec!["app", "user"],
                vec!["password"],
                vec!["login"]
            ]
        );
        assert_eq!(
            plan.critical_path,
            vec!["token", "user", "password", "login"]
        );
    }

    #[test]
    fn names_every_step_of_a_cycle() {
        let found = cycles(&deps(&[
            ("a", &["c"]),
            ("b", &["a"]),
            ("c", &["b"]),
            ("d", &[]),
        ]));
        assert_eq!(found, vec![vec!["a", "b", "c"]]);
    }
}

/** The page's routes are hashes: `#/` (the projects) and `#/projects/{id}` (one project). */
export function currentRoute(): { view: 'projects' } | { view: 'project'; id: string } {
  const match = /^#\/projects\/([^/?#]+)$/.exec(location.hash);
  return match ? { view: 'project', id: decodeURIComponent(match[1]) } : { view: 'projects' };
}

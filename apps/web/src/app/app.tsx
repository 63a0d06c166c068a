export function App() {
  return (
    <main>
      <h1>Ticketing</h1>
    </main>
  );
}

import { auth } from '@clerk/nextjs/server';

export default async function Home() {
  const { userId } = await auth();
  return (
    <main>
      <h1>Gatehouse example</h1>
      <p>{userId ? 'You are signed in.' : 'You are signed out.'}</p>
      <p>
        <a href="/dashboard">Go to the dashboard</a>, which only signed-in people can see.
      </p>
    </main>
  );
}
